using System.Globalization;
using System.Text;

namespace Portal.Core.Experiments;

/// <summary>
/// Reads an MLflow search filter in one left-to-right pass: a tokenizer that looks at each character once and a
/// parser that never backs up, so any input costs time linear in its length. Errors say where (1-based position)
/// and what to write instead, quoting at most a short, printable piece of the input.
/// </summary>
internal sealed class RunFilterParser(string text)
{
    private const int SnippetLength = 30;
    private int position;

    public Outcome<RunFilter> Parse()
    {
        var clauses = new List<RunFilterClause>();
        try
        {
            while (true)
            {
                clauses.Add(ParseClause());
                var next = Next();
                if (next.Kind == TokenKind.End)
                {
                    return new RunFilter(clauses);
                }

                if (next.IsWord("OR"))
                {
                    throw new FilterSyntaxException("OR is not supported: clauses are joined with AND only (as in MLflow). Run one search per alternative.");
                }

                if (!next.IsWord("AND"))
                {
                    throw new FilterSyntaxException($"Expected AND between clauses at position {next.Position}, found {Describe(next)}.");
                }
            }
        }
        catch (FilterSyntaxException exception)
        {
            return PortalError.Invalid(exception.Message);
        }
    }

    private RunFilterClause ParseClause()
    {
        var start = Next();
        if (start.Kind == TokenKind.End)
        {
            throw new FilterSyntaxException("The filter ends after AND: add a clause such as metrics.loss < 0.5, or remove the AND.");
        }

        if (start.Kind != TokenKind.Identifier)
        {
            var hint = start.Kind == TokenKind.LeftParen ? " Parentheses may only enclose an IN list; join clauses with AND instead." : "";
            throw new FilterSyntaxException($"Expected a clause such as metrics.loss < 0.5 or params.lr = '0.01' at position {start.Position}, found {Describe(start)}.{hint}");
        }

        var name = $"{Snippet(start.Text)}.{Snippet(start.Key!)}";
        var entity = start.Text.ToLowerInvariant() switch
        {
            "metrics" or "metric" => FilterEntity.Metric,
            "params" or "param" or "parameters" or "parameter" => FilterEntity.Param,
            "tags" or "tag" => FilterEntity.Tag,
            "attributes" or "attribute" or "attr" or "run" => FilterEntity.Attribute,
            "datasets" or "dataset" => FilterEntity.Dataset,
            _ => throw new FilterSyntaxException($"Unknown entity '{Snippet(start.Text)}' at position {start.Position}: use metrics, params, tags, attributes or datasets, e.g. params.lr = '0.01'."),
        };
        var op = ParseOperator(name);
        var values = op is FilterOperator.In or FilterOperator.NotIn ? ParseList(name) : [Next()];
        return Clause(entity, start.Key!, name, op, values);
    }

    private FilterOperator ParseOperator(string name)
    {
        var token = Next();
        if (token.IsWord("NOT"))
        {
            var next = Next();
            return next.IsWord("IN") ? FilterOperator.NotIn : throw new FilterSyntaxException($"Expected IN after NOT at position {next.Position}, found {Describe(next)}.");
        }

        return token switch
        {
            { Kind: TokenKind.Operator, Text: "=" } => FilterOperator.Equal,
            { Kind: TokenKind.Operator, Text: "!=" } => FilterOperator.NotEqual,
            { Kind: TokenKind.Operator, Text: "<" } => FilterOperator.Less,
            { Kind: TokenKind.Operator, Text: "<=" } => FilterOperator.LessOrEqual,
            { Kind: TokenKind.Operator, Text: ">" } => FilterOperator.Greater,
            { Kind: TokenKind.Operator, Text: ">=" } => FilterOperator.GreaterOrEqual,
            _ when token.IsWord("LIKE") => FilterOperator.Like,
            _ when token.IsWord("ILIKE") => FilterOperator.ILike,
            _ when token.IsWord("IN") => FilterOperator.In,
            { Kind: TokenKind.End } => throw new FilterSyntaxException($"The filter ends after {name}: add a comparison, e.g. {name} = 'value'."),
            _ => throw new FilterSyntaxException($"Expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after {name} at position {token.Position}, found {Describe(token)}."),
        };
    }

    /// <summary>"( 'a', 'b' )" after IN.</summary>
    private List<Token> ParseList(string name)
    {
        var open = Next();
        if (open.Kind != TokenKind.LeftParen)
        {
            throw new FilterSyntaxException($"Expected a list such as ('a', 'b') after IN at position {open.Position}, found {Describe(open)}.");
        }

        var values = new List<Token>();
        while (true)
        {
            var value = Next();
            if (value.Kind != TokenKind.String)
            {
                throw new FilterSyntaxException($"Expected a quoted string in the IN list for {name} at position {value.Position}, found {Describe(value)}.");
            }

            values.Add(value);
            var separator = Next();
            if (separator.Kind == TokenKind.RightParen)
            {
                return values;
            }

            if (separator.Kind != TokenKind.Comma)
            {
                throw new FilterSyntaxException($"Expected ',' or ')' in the IN list for {name} at position {separator.Position}, found {Describe(separator)}.");
            }
        }
    }

    private static RunFilterClause Clause(FilterEntity entity, string key, string name, FilterOperator op, List<Token> values)
    {
        switch (entity)
        {
            case FilterEntity.Metric:
                return new NumberClause(key, null, NumberOperator(op, name), Number(values[0], name));
            case FilterEntity.Param or FilterEntity.Tag:
                return new StringClause(entity, key, null, StringOperator(op, name), Strings(values, name));
            case FilterEntity.Dataset:
                var field = key.ToLowerInvariant();
                return field is "name" or "digest" or "context"
                    ? new DatasetClause(field, StringOperator(op, name), Strings(values, name))
                    : throw new FilterSyntaxException($"Unknown dataset field '{Snippet(key)}': filter on one of the dataset fields {DatasetClause.Keys}, e.g. datasets.name = 'train'.");
        }

        if (RunAttributes.Number(key) is { } number)
        {
            return new NumberClause(key, number, NumberOperator(op, name), Number(values[0], name));
        }

        if (RunAttributes.Text(key) is { } attribute)
        {
            return new StringClause(entity, key, attribute, StringOperator(op, name), Strings(values, name));
        }

        throw new FilterSyntaxException($"Unknown attribute '{Snippet(key)}': filter on one of the attributes {RunAttributes.Names}.");
    }

    private static FilterOperator NumberOperator(FilterOperator op, string name) =>
        op is FilterOperator.Like or FilterOperator.ILike or FilterOperator.In or FilterOperator.NotIn
            ? throw new FilterSyntaxException($"{name} must be compared with a number using =, !=, <, <=, > or >=, e.g. {name} < 0.5.")
            : op;

    private static FilterOperator StringOperator(FilterOperator op, string name) =>
        op is FilterOperator.Less or FilterOperator.LessOrEqual or FilterOperator.Greater or FilterOperator.GreaterOrEqual
            ? throw new FilterSyntaxException($"{name} compares strings: use =, !=, LIKE, ILIKE, IN or NOT IN, e.g. {name} LIKE 'adam%'.")
            : op;

    private static double Number(Token value, string name) =>
        value.Kind == TokenKind.Number && double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FilterSyntaxException($"{name} must be compared with a number, e.g. {name} < 0.5; found {Describe(value)} at position {value.Position}.");

    private static List<string> Strings(List<Token> values, string name) =>
        values.All(v => v.Kind == TokenKind.String)
            ? [.. values.Select(v => v.Text)]
            : throw new FilterSyntaxException($"The value for {name} must be a quoted string, e.g. {name} = 'value'; found {Describe(values[0])} at position {values[0].Position}.");

    private Token Next()
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        if (position == text.Length)
        {
            return new Token(TokenKind.End, "", position + 1);
        }

        var start = position;
        var c = text[position];
        switch (c)
        {
            case '(':
                position++;
                return new Token(TokenKind.LeftParen, "(", start + 1);
            case ')':
                position++;
                return new Token(TokenKind.RightParen, ")", start + 1);
            case ',':
                position++;
                return new Token(TokenKind.Comma, ",", start + 1);
            case '\'' or '"':
                return new Token(TokenKind.String, Quoted(c, "string"), start + 1);
            case '=':
                position++;
                return new Token(TokenKind.Operator, "=", start + 1);
            case '!' or '<' or '>':
                position++;
                if (position < text.Length && text[position] == '=')
                {
                    position++;
                    return new Token(TokenKind.Operator, c + "=", start + 1);
                }

                return c == '!'
                    ? throw new FilterSyntaxException($"Unexpected '!' at position {start + 1}: write != for 'not equal'.")
                    : new Token(TokenKind.Operator, c.ToString(), start + 1);
        }

        if (char.IsAsciiDigit(c) || (c is '-' or '+' or '.' && position + 1 < text.Length && (char.IsAsciiDigit(text[position + 1]) || text[position + 1] == '.')))
        {
            return new Token(TokenKind.Number, ReadNumber(), start + 1);
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '_'))
            {
                position++;
            }

            var word = text[start..position];
            if (position < text.Length && text[position] == '.')
            {
                position++;
                return new Token(TokenKind.Identifier, word, start + 1, ReadKey(word));
            }

            return new Token(TokenKind.Word, word, start + 1);
        }

        throw new FilterSyntaxException($"Unexpected character {Printable(c)} at position {start + 1}: write clauses such as metrics.loss < 0.5, joined by AND.");
    }

    /// <summary>The key after "entity.": `quoted`, "quoted", or letters, digits and _ . - / :</summary>
    private string ReadKey(string entity)
    {
        if (position < text.Length && text[position] is '`' or '"')
        {
            var key = Quoted(text[position], "key");
            return key.Length > 0 ? key : throw new FilterSyntaxException($"The key after '{Snippet(entity)}.' is empty: name a key, e.g. {Snippet(entity)}.`my key`.");
        }

        var start = position;
        while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '_' or '.' or '-' or '/' or ':'))
        {
            position++;
        }

        return position > start
            ? text[start..position]
            : throw new FilterSyntaxException($"Expected a key after '{Snippet(entity)}.' at position {position + 1}, e.g. {Snippet(entity)}.loss; quote keys with spaces in backticks.");
    }

    /// <summary>Text between two <paramref name="quote"/>s; a doubled quote inside stands for one (SQL style).</summary>
    private string Quoted(char quote, string what)
    {
        var opened = position + 1;
        position++;
        var value = new StringBuilder();
        while (position < text.Length)
        {
            var c = text[position++];
            if (c != quote)
            {
                value.Append(c);
            }
            else if (position < text.Length && text[position] == quote)
            {
                value.Append(quote);
                position++;
            }
            else
            {
                return value.ToString();
            }
        }

        throw new FilterSyntaxException($"The quoted {what} opened at position {opened} is never closed: end it with {quote}.");
    }

    private string ReadNumber()
    {
        var start = position;
        if (text[position] is '-' or '+')
        {
            position++;
        }

        while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.'))
        {
            position++;
        }

        if (position < text.Length && text[position] is 'e' or 'E')
        {
            position++;
            if (position < text.Length && text[position] is '-' or '+')
            {
                position++;
            }

            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }
        }

        return text[start..position];
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the filter",
        TokenKind.String => $"the string '{Snippet(token.Text)}'",
        TokenKind.Identifier => $"'{Snippet(token.Text)}.{Snippet(token.Key!)}'",
        _ => $"'{Snippet(token.Text)}'",
    };

    /// <summary>At most <see cref="SnippetLength"/> characters of user input, with control and invisible characters spelled out.</summary>
    private static string Snippet(string value)
    {
        var builder = new StringBuilder();
        foreach (var c in value.Length > SnippetLength ? value[..SnippetLength] : value)
        {
            builder.Append(IsInvisible(c) ? $"U+{(int)c:X4}" : c.ToString());
        }

        return value.Length > SnippetLength ? builder.Append('…').ToString() : builder.ToString();
    }

    private static string Printable(char c) => IsInvisible(c) ? $"U+{(int)c:X4}" : $"'{c}'";

    private static bool IsInvisible(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse;

    private enum TokenKind
    {
        Identifier,
        String,
        Number,
        Word,
        Operator,
        LeftParen,
        RightParen,
        Comma,
        End,
    }

    /// <summary>A token; for an identifier, <see cref="Text"/> is the entity and <see cref="Key"/> the key.</summary>
    private readonly record struct Token(TokenKind Kind, string Text, int Position, string? Key = null)
    {
        public bool IsWord(string word) => Kind == TokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class FilterSyntaxException(string message) : Exception(message);
}
