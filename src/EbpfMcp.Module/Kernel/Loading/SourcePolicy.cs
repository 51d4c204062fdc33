using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Where Install-BpfProgram -AllowedSource lets objects come from: directories (compared with the
/// real path of the file that is opened, links resolved) and URLs (scheme, host and port compared
/// exactly, the path by whole segments; applied to the first URL and to every redirect).
/// </summary>
internal sealed class SourcePolicy
{
    public static readonly SourcePolicy Unrestricted = new([], []);

    private readonly string[] directories;
    private readonly Uri[] urls;

    private SourcePolicy(string[] directories, Uri[] urls)
    {
        this.directories = directories;
        this.urls = urls;
    }

    /// <param name="allowed">Directories (already provider-resolved, absolute) and absolute http(s) URLs.</param>
    public static SourcePolicy From(IReadOnlyCollection<string>? allowed)
    {
        if (allowed is null || allowed.Count == 0)
        {
            return Unrestricted;
        }
        var urls = new List<Uri>();
        var directories = new List<string>();
        foreach (var entry in allowed)
        {
            if (entry.Contains("://", StringComparison.Ordinal))
            {
                urls.Add(Uri.TryCreate(entry, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0
                    ? uri
                    : throw new BpfException("InvalidAllowedSource", $"-AllowedSource '{entry}' is not an absolute http(s) URL without user information."));
            }
            else if (LibCFiles.RealPath(entry, out _) is { } real)
            {
                directories.Add(real.TrimEnd('/') + "/");
            }
            // A directory that does not exist allows nothing.
        }
        return new SourcePolicy([.. directories], [.. urls]);
    }

    public bool Restricts => directories.Length + urls.Length > 0;

    /// <summary>Refuses a file whose real path lies outside every allowed directory.</summary>
    public void CheckFile(string realPath, string given)
    {
        if (Restricts && !directories.Any(d => realPath.StartsWith(d, StringComparison.Ordinal)))
        {
            var where = realPath == given ? $"'{given}'" : $"'{given}' (really '{realPath}')";
            throw new BpfException("PolicyDenied", $"{where} is not inside an allowed source directory ({Describe(directories, "none; only URLs are allowed")}).");
        }
    }

    /// <summary>Refuses a URL (the first one, or a redirect's target) that no allowed URL covers.</summary>
    public void CheckUri(Uri uri, Uri? redirectedFrom = null)
    {
        if (!Restricts || urls.Any(a => Covers(a, uri)))
        {
            return;
        }
        var what = redirectedFrom is null ? $"'{uri}'" : $"'{redirectedFrom}' redirected to '{uri}', which";
        throw new BpfException("PolicyDenied", $"{what} is not covered by an allowed source URL ({Describe(urls.Select(u => u.ToString()), "none; only directories are allowed")}): scheme, host and port must match exactly and the path must lie under the allowed path.");
    }

    private static bool Covers(Uri allowed, Uri candidate)
    {
        if (candidate.UserInfo.Length > 0
            || !string.Equals(allowed.Scheme, candidate.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(allowed.IdnHost, candidate.IdnHost, StringComparison.OrdinalIgnoreCase)
            || allowed.Port != candidate.Port)
        {
            return false;
        }
        var path = candidate.AbsolutePath;
        // Encoded dots, slashes and backslashes could be decoded by the server into another path.
        if (path.Contains("%2e", StringComparison.OrdinalIgnoreCase) || path.Contains("%2f", StringComparison.OrdinalIgnoreCase) || path.Contains("%5c", StringComparison.OrdinalIgnoreCase) || path.Contains('\\'))
        {
            return false;
        }
        var prefix = allowed.AbsolutePath;
        return prefix == "/" || path == prefix || path.StartsWith(prefix.EndsWith('/') ? prefix : prefix + "/", StringComparison.Ordinal);
    }

    private static string Describe(IEnumerable<string> entries, string none) =>
        entries.Any() ? string.Join(", ", entries) : none;
}
