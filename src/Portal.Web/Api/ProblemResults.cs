using Portal.Core;

namespace Portal.Web.Api;

/// <summary>Turns a service's <see cref="PortalError"/> into an RFC 9457 problem-details response.</summary>
public static class ProblemResults
{
    public static IResult ToProblem(this PortalError error) => Problem(StatusOf(error.Kind), error.Message);

    public static IResult Problem(int status, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: TitleOf(status));

    public static int StatusOf(PortalErrorKind kind) => kind switch
    {
        PortalErrorKind.Invalid => StatusCodes.Status400BadRequest,
        PortalErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        PortalErrorKind.NotFound => StatusCodes.Status404NotFound,
        PortalErrorKind.Conflict => StatusCodes.Status409Conflict,
        PortalErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        PortalErrorKind.InsufficientStorage => StatusCodes.Status507InsufficientStorage,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static string TitleOf(int status) => status switch
    {
        400 => "The request is not valid",
        401 => "Authentication required",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Request body too large",
        429 => "Too many requests",
        _ => "Error",
    };
}
