using System.Net;
using System.Net.Http.Headers;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Fetches a BPF object for Install-BpfProgram -Uri: https only (plain http only when explicitly
/// allowed, and only from a loopback host), redirects followed by hand and never to another scheme,
/// size and time capped. The bytes land in a private temporary file that the caller deletes.
/// </summary>
internal static class ObjectDownloader
{
    public const long DefaultMaxBytes = 16 * 1024 * 1024;
    private const int MaxRedirects = 5;

    public static async Task<string> DownloadAsync(Uri uri, bool allowHttp, long maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CheckScheme(uri, uri, allowHttp);
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { Timeout = timeout };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("ebpf-mcp", "0.1"));
        var current = uri;
        for (int hop = 0; ; hop++)
        {
            using var response = await client.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                if (hop >= MaxRedirects)
                {
                    throw new BpfException("TooManyRedirects", $"'{uri}' redirected more than {MaxRedirects} times.");
                }
                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (next.Scheme != current.Scheme)
                {
                    throw new BpfException("RedirectRefused", $"'{current}' redirected to another scheme ({next.Scheme}): refused.");
                }
                CheckScheme(uri, next, allowHttp);
                current = next;
                continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new BpfException("DownloadFailed", $"GET {current} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
            {
                throw new BpfException("DownloadTooLarge", $"'{current}' is {declared} bytes; the limit is {maxBytes}.");
            }
            var path = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-{Guid.NewGuid():N}.bpf.o");
            try
            {
                await using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
                await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
                {
                    var buffer = new byte[81920];
                    long total = 0;
                    int n;
                    while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        total += n;
                        if (total > maxBytes)
                        {
                            throw new BpfException("DownloadTooLarge", $"'{current}' is larger than the {maxBytes}-byte limit.");
                        }
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    }
                }
                return path;
            }
            catch
            {
                File.Delete(path);
                throw;
            }
        }
    }

    private static void CheckScheme(Uri original, Uri uri, bool allowHttp)
    {
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return;
        }
        if (uri.Scheme == Uri.UriSchemeHttp && allowHttp && uri.IsLoopback)
        {
            return;
        }
        throw new BpfException("InsecureUri", uri.Scheme == Uri.UriSchemeHttp
            ? $"'{uri}' is plain http: only https is accepted (plain http only with -AllowHttp, and only from a loopback host)."
            : $"'{uri}' has scheme '{uri.Scheme}': only https is accepted.");
    }
}
