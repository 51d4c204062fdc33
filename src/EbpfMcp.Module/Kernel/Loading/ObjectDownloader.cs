using System.Net;
using System.Net.Http.Headers;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Fetches a BPF object for Install-BpfProgram -Uri into memory: https only (plain http only when
/// explicitly allowed, and only from a loopback host), redirects followed by hand, each one checked
/// like the first URL (scheme and source policy), never to another scheme. One deadline covers the
/// whole transfer (connect, headers and every byte of the body), and the size cap is enforced while
/// the body streams in.
/// </summary>
internal static class ObjectDownloader
{
    public const long DefaultMaxBytes = 16 * 1024 * 1024;
    public const int DefaultTimeoutSeconds = 30;
    private const int MaxRedirects = 5;

    public static async Task<byte[]> DownloadAsync(Uri uri, bool allowHttp, long maxBytes, TimeSpan timeout, SourcePolicy policy, CancellationToken cancellationToken)
    {
        CheckScheme(uri, allowHttp);
        policy.CheckUri(uri);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("ebpf-mcp", "0.1"));
        try
        {
            var current = uri;
            for (int hop = 0; ; hop++)
            {
                using var response = await client.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
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
                    CheckScheme(next, allowHttp);
                    policy.CheckUri(next, current);
                    current = next;
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    throw new BpfException("DownloadFailed", $"GET {current} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
                }
                if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
                {
                    throw new BpfException("DownloadTooLarge", $"'{current}' is {declared} bytes; the limit is {maxBytes} (-MaxObjectBytes).");
                }
                return await ReadCappedAsync(response, current, maxBytes, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BpfException("DownloadTimedOut", $"Downloading '{uri}' did not finish within {timeout.TotalSeconds:0.#} s (headers and body together); nothing was loaded.");
        }
    }

    private static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, Uri from, long maxBytes, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var contents = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (contents.Length + n > maxBytes)
            {
                throw new BpfException("DownloadTooLarge", $"'{from}' is larger than the {maxBytes}-byte limit (-MaxObjectBytes).");
            }
            contents.Write(buffer, 0, n);
        }
        return contents.ToArray();
    }

    private static void CheckScheme(Uri uri, bool allowHttp)
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
