namespace Portal.Core;

/// <summary>What went wrong, in words a person can act on. The web layer maps <see cref="Kind"/> to an HTTP status.</summary>
public sealed record PortalError(PortalErrorKind Kind, string Message)
{
    public static PortalError Invalid(string message) => new(PortalErrorKind.Invalid, message);

    public static PortalError NotFound(string message) => new(PortalErrorKind.NotFound, message);

    public static PortalError Forbidden(string message) => new(PortalErrorKind.Forbidden, message);

    public static PortalError Conflict(string message) => new(PortalErrorKind.Conflict, message);
}

public enum PortalErrorKind
{
    Invalid,
    Forbidden,
    NotFound,
    Conflict,
    TooManyRequests,

    /// <summary>The repository's storage quota has no room for this (HTTP 507).</summary>
    InsufficientStorage,
}

/// <summary>A value or an error; services return this instead of throwing for expected failures.</summary>
public readonly struct Outcome<T>
{
    private Outcome(T? value, PortalError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public PortalError? Error { get; }

    public bool Succeeded => Error is null;

    /// <summary>For values whose static type is an interface, which C# cannot convert implicitly.</summary>
    public static Outcome<T> Success(T value) => new(value, null);

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(PortalError error) => new(default, error);
}
