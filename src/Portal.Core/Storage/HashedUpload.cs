using System.Security.Cryptography;

namespace Portal.Core.Storage;

/// <summary>
/// An upload received into a temporary file while its hash is computed, for content-addressed stores (Git LFS:
/// SHA-256; DVC: MD5) and MLflow artifacts (which need only the all-or-nothing receipt). The caller checks <see cref="Hash"/> against the name it was sent under and only then moves
/// the file into place; disposing removes whatever was not moved, so a wrong or cut-off upload stores nothing.
/// </summary>
public sealed class HashedUpload : IDisposable
{
    private const int BufferSize = 81920;
    private readonly string temporary;

    private HashedUpload(string temporary, string hash, long length)
    {
        this.temporary = temporary;
        Hash = hash;
        Length = length;
    }

    /// <summary>Lower-case hex digest of everything received.</summary>
    public string Hash { get; }

    public long Length { get; }

    /// <summary>Receives <paramref name="body"/> into <paramref name="incomingFolder"/>; null when it grows past <paramref name="maxBytes"/> (nothing is kept).</summary>
    public static async Task<HashedUpload?> ReceiveAsync(Stream body, string incomingFolder, HashAlgorithmName algorithm, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(incomingFolder);
        var temporary = Path.Combine(incomingFolder, Guid.NewGuid().ToString("N"));
        try
        {
            long length = 0;
            using var hash = IncrementalHash.CreateHash(algorithm);
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    length += read;
                    if (length > maxBytes)
                    {
                        File.Delete(temporary);
                        return null;
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
            }

            return new HashedUpload(temporary, Convert.ToHexStringLower(hash.GetHashAndReset()), length);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Reads what was received, e.g. to check its format before it is moved into place.</summary>
    public Stream OpenRead() => new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);

    /// <summary>
    /// Moves the upload to <paramref name="destination"/> in one rename; false when a file was already there (for a
    /// content-addressed store, the same content). With <paramref name="replace"/> (a named store: MLflow artifacts), it
    /// replaces that file atomically instead: a reader sees the old bytes or the new, never a mix.
    /// </summary>
    public bool MoveTo(string destination, bool replace = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        try
        {
            File.Move(temporary, destination, replace);
            return true;
        }
        catch (IOException) when (File.Exists(destination))
        {
            return false;
        }
    }

    public void Dispose() => File.Delete(temporary);
}
