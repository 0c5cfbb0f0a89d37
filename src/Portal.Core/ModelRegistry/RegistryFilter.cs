using System.Globalization;
using System.Text;
using Portal.Core.Experiments;

namespace Portal.Core.ModelRegistry;

/// <summary>
/// The filter language of MLflow's registry and logged-model searches: clauses joined by AND, each
/// "field OP value" or "entity.key OP value" (e.g. <c>name LIKE 'fraud%'</c>, <c>run_id IN ('a', 'b')</c>,
/// <c>tags.stage = 'prod'</c>, <c>version_number &gt; 2</c>). Read in one left-to-right pass over at most
/// <see cref="MaxLengthBytes"/>; which fields exist is the caller's business (<see cref="RegistryQuery"/> turns the
/// clauses into SQL).
/// </summary>
internal sealed class RegistryFilter
{
    public const int MaxLengthBytes = 4096;

    private readonly string text;
    private int position;

    private RegistryFilter(string text)
    {
        this.text = text;
    }

    public static Outcome<IReadOnlyList<RegistryClause>> Parse(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return Outcome<IReadOnlyList<RegistryClause>>.Success([]);
        }

        var length = Encoding.UTF8.GetByteCount(filter);
        if (length > MaxLengthBytes)
        {
            return PortalError.Invalid($"The filter is {length:N0} bytes long; Portal accepts at most {MaxLengthBytes:N0}. Search with fewer or shorter clauses.");
        }

        var parser = new RegistryFilter(filter);
        var clauses = new List<RegistryClause>();
        while (true)
        {
            var clause = parser.Clause();
            if (!clause.Succeeded)
            {
                return clause.Error!;
            }

            clauses.Add(clause.Value!);
            parser.SkipSpaces();
            if (parser.AtEnd)
            {
                return Outcome<IReadOnlyList<RegistryClause>>.Success(clauses);
            }

            var word = parser.Word();
            if (!word.Equals("AND", StringComparison.OrdinalIgnoreCase))
            {
                return PortalError.Invalid(word.Equals("OR", StringComparison.OrdinalIgnoreCase)
                    ? "OR is not supported: clauses are joined with AND only (as in MLflow)."
                    : $"Expected AND between clauses at position {parser.position + 1 - word.Length}.");
            }
        }
    }

    private bool AtEnd => position >= text.Length;

    private Outcome<RegistryClause> Clause()
    {
        SkipSpaces();
        var start = position;
        var entity = Word();
        if (entity.Length == 0)
        {
            return PortalError.Invalid($"Expected a field such as name or tags.key at position {start + 1}, e.g. name = 'my-model'.");
        }

        string? key = null;
        if (!AtEnd && text[position] == '.')
        {
            position++;
            key = Key();
            if (key is null)
            {
                return PortalError.Invalid($"Expected a key after '{Snippet(entity)}.' at position {position + 1}; quote keys with spaces in backticks.");
            }
        }

        var field = key is null ? entity : $"{entity}.{key}";
        var op = Operator();
        if (op is null)
        {
            return PortalError.Invalid($"Expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after {Snippet(field)} at position {position + 1}.");
        }

        SkipSpaces();
        if (op is FilterOperator.In or FilterOperator.NotIn)
        {
            var list = List();
            return list is null
                ? PortalError.Invalid($"Expected a list of quoted strings such as ('a', 'b') after IN at position {position + 1}.")
                : new RegistryClause(entity.ToLowerInvariant(), key, op.Value, list, null);
        }

        if (!AtEnd && text[position] is '\'' or '"')
        {
            var quoted = Quoted();
            return quoted is null
                ? PortalError.Invalid($"The string for {Snippet(field)} is never closed: end it with a quote.")
                : new RegistryClause(entity.ToLowerInvariant(), key, op.Value, [quoted], null);
        }

        var numberStart = position;
        while (!AtEnd && (char.IsAsciiDigit(text[position]) || text[position] is '-' or '+' or '.' or 'e' or 'E'))
        {
            position++;
        }

        return double.TryParse(text[numberStart..position], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? new RegistryClause(entity.ToLowerInvariant(), key, op.Value, [], number)
            : PortalError.Invalid($"Expected a quoted string or a number after {Snippet(field)} at position {numberStart + 1}, e.g. {Snippet(field)} = 'value'.");
    }

    private FilterOperator? Operator()
    {
        SkipSpaces();
        if (AtEnd)
        {
            return null;
        }

        string[] symbols = ["!=", "<=", ">=", "=", "<", ">"];
        foreach (var symbol in symbols)
        {
            if (string.CompareOrdinal(text, position, symbol, 0, symbol.Length) == 0)
            {
                position += symbol.Length;
                return symbol switch
                {
                    "!=" => FilterOperator.NotEqual,
                    "<=" => FilterOperator.LessOrEqual,
                    ">=" => FilterOperator.GreaterOrEqual,
                    "=" => FilterOperator.Equal,
                    "<" => FilterOperator.Less,
                    _ => FilterOperator.Greater,
                };
            }
        }

        var word = Word().ToUpperInvariant();
        if (word == "NOT")
        {
            SkipSpaces();
            return Word().Equals("IN", StringComparison.OrdinalIgnoreCase) ? FilterOperator.NotIn : null;
        }

        return word switch
        {
            "LIKE" => FilterOperator.Like,
            "ILIKE" => FilterOperator.ILike,
            "IN" => FilterOperator.In,
            _ => null,
        };
    }

    private List<string>? List()
    {
        if (AtEnd || text[position] != '(')
        {
            return null;
        }

        position++;
        var values = new List<string>();
        while (true)
        {
            SkipSpaces();
            if (AtEnd || text[position] is not ('\'' or '"') || Quoted() is not { } value)
            {
                return null;
            }

            values.Add(value);
            SkipSpaces();
            if (AtEnd)
            {
                return null;
            }

            var separator = text[position++];
            if (separator == ')')
            {
                return values;
            }

            if (separator != ',')
            {
                return null;
            }
        }
    }

    /// <summary>Letters, digits and '_' (a field or entity name, or AND/LIKE/IN/NOT).</summary>
    private string Word()
    {
        var start = position;
        while (!AtEnd && (char.IsAsciiLetterOrDigit(text[position]) || text[position] == '_'))
        {
            position++;
        }

        return text[start..position];
    }

    /// <summary>The key after "entity.": `quoted`, "quoted", or letters, digits and _ . - / :</summary>
    private string? Key()
    {
        if (!AtEnd && text[position] is '`' or '"')
        {
            var quoted = Quoted();
            return string.IsNullOrEmpty(quoted) ? null : quoted;
        }

        var start = position;
        while (!AtEnd && (char.IsLetterOrDigit(text[position]) || text[position] is '_' or '.' or '-' or '/' or ':'))
        {
            position++;
        }

        return position > start ? text[start..position] : null;
    }

    /// <summary>Text between two equal quotes; a doubled quote inside stands for one (SQL style). Null when never closed.</summary>
    private string? Quoted()
    {
        var quote = text[position++];
        var value = new StringBuilder();
        while (!AtEnd)
        {
            var c = text[position++];
            if (c != quote)
            {
                value.Append(c);
            }
            else if (!AtEnd && text[position] == quote)
            {
                value.Append(quote);
                position++;
            }
            else
            {
                return value.ToString();
            }
        }

        return null;
    }

    private void SkipSpaces()
    {
        while (!AtEnd && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }

    private static string Snippet(string value) => value.Length > 40 ? value[..40] + "…" : value;
}

/// <summary>
/// One clause: <see cref="Entity"/> is the field for attributes (key null, e.g. "name") or the entity for keyed
/// fields ("tags", "params", "metrics"); the value is <see cref="Strings"/> (one, or a list for IN) or <see cref="Number"/>.
/// </summary>
internal sealed record RegistryClause(string Entity, string? Key, FilterOperator Op, IReadOnlyList<string> Strings, double? Number)
{
    public string Field => Key is null ? Entity : $"{Entity}.{Key}";

    /// <summary>The field as quoted back in an error: at most 40 characters of what the client sent.</summary>
    public string Shown => Field.Length > 40 ? Field[..40] + "…" : Field;
}
