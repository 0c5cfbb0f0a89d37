namespace Portal.Core.Experiments;

/// <summary>
/// An SQL LIKE pattern ('%' any run of characters, '_' one character, everything else literal) matched without a
/// regular expression: the pattern is a small automaton whose states (one per non-'%' character) are bits, and all
/// states advance together, a word of 64 at a time (the shift-and algorithm). A match costs one pass over the value,
/// value length × pattern length / 64 word operations, whatever the pattern: no backtracking, no timeout to hit.
/// </summary>
public sealed class LikePattern
{
    private readonly int tokens;
    private readonly int words;
    private readonly bool ignoreCase;
    private readonly bool anyLength;

    // Bit i+1 of masks[c] is set when token i accepts character c ('_' accepts all: anyChar).
    private readonly Dictionary<char, ulong[]> masks = [];
    private readonly ulong[] anyChar;

    // Bit i is set when a '%' stands before token i (bit 'tokens' for a trailing '%'): state i may consume any character.
    private readonly ulong[] selfLoop;

    public LikePattern(string pattern, bool ignoreCase)
    {
        this.ignoreCase = ignoreCase;
        tokens = pattern.Count(c => c != '%');
        anyLength = tokens < pattern.Length;
        words = (tokens / 64) + 1;
        anyChar = new ulong[words];
        selfLoop = new ulong[words];
        var state = 0;
        foreach (var c in pattern)
        {
            if (c == '%')
            {
                Set(selfLoop, state);
                continue;
            }

            if (c == '_')
            {
                Set(anyChar, state + 1);
            }
            else
            {
                var key = Fold(c);
                if (!masks.TryGetValue(key, out var mask))
                {
                    masks[key] = mask = new ulong[words];
                }

                Set(mask, state + 1);
            }

            state++;
        }

        foreach (var mask in masks.Values)
        {
            for (var w = 0; w < words; w++)
            {
                mask[w] |= anyChar[w];
            }
        }
    }

    public bool IsMatch(string value)
    {
        // Every non-'%' token consumes exactly one character.
        if (value.Length < tokens || (!anyLength && value.Length != tokens))
        {
            return false;
        }

        var current = new ulong[words];
        var next = new ulong[words];
        current[0] = 1;
        foreach (var c in value)
        {
            var accept = masks.TryGetValue(Fold(c), out var mask) ? mask : anyChar;
            ulong carry = 0;
            ulong alive = 0;
            for (var w = 0; w < words; w++)
            {
                var shifted = (current[w] << 1) | carry;
                carry = current[w] >> 63;
                next[w] = (shifted & accept[w]) | (current[w] & selfLoop[w]);
                alive |= next[w];
            }

            if (alive == 0)
            {
                return false;
            }

            (current, next) = (next, current);
        }

        return (current[tokens / 64] & (1UL << (tokens % 64))) != 0;
    }

    // ASCII letters only, as SQLite's LIKE (which runs ILIKE in the database) and so MLflow on SQLite: 'é' ILIKE 'É' is false.
    private char Fold(char c) => ignoreCase && char.IsAsciiLetterLower(c) ? (char)(c - ('a' - 'A')) : c;

    private static void Set(ulong[] bits, int index) => bits[index / 64] |= 1UL << (index % 64);
}
