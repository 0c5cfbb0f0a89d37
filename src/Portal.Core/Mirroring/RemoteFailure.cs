using Portal.Core.Jobs;
using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Mirroring;

/// <summary>What a person reads about a failed run (sync, push mirror) that git itself did not report: specific where Portal knows the cause.</summary>
public static class RemoteFailure
{
    /// <param name="exception">What stopped the run.</param>
    /// <param name="secrets">The credentials in use, scrubbed from the text.</param>
    /// <param name="credentialsName">How the message names the stored credentials, e.g. "this repository's stored credentials".</param>
    public static string Describe(Exception exception, IEnumerable<string> secrets, string credentialsName) => exception switch
    {
        System.Security.Cryptography.CryptographicException =>
            $"Portal cannot decrypt {credentialsName} (were the data folder's keys replaced?): enter them again in the settings.",
        GitException or IOException or UnauthorizedAccessException =>
            GitErrorHints.Explain(CredentialScrubber.Scrub(exception.Message, secrets)),
        ArgumentException =>
            "The remote sent a value Portal refuses to pass to git (for example a ref name or HEAD starting with '-'): " +
            CredentialScrubber.Scrub(exception.Message, secrets),
        _ => JobWorkerPool.InternalErrorMessage,
    };

    /// <summary>Cancelled because Portal is stopping: the run is not over; the engine puts the job back in the queue.</summary>
    public static bool IsShutdown(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
}
