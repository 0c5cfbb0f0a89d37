namespace Portal.Core.Accounts;

/// <summary>The verdict of a name policy: valid, or the sentence to show the person who typed it.</summary>
public readonly record struct NameCheck(string? Error)
{
    public static NameCheck Valid => new(null);

    public bool IsValid => Error is null;
}
