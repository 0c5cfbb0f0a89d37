namespace Portal.Outbound;

/// <summary>
/// What a check decided: the value to use, or why it was refused, in words a person can act on. The outbound layer
/// knows no Portal types; callers turn a refusal into their own error.
/// </summary>
public readonly record struct Checked<T>(T? Value, string? Refusal)
{
    public bool Succeeded => Refusal is null;

    public static implicit operator Checked<T>(T value) => new(value, null);

    public static Checked<T> Refuse(string refusal) => new(default, refusal);
}
