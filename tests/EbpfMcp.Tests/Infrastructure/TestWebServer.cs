using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// A tiny HTTP/1.1 server on loopback for download tests, plain or TLS with a fresh self-signed
/// certificate (its PEM is written to <see cref="CertificatePemPath"/> for clients to trust).
/// Routes map a path to (status, headers, body).
/// </summary>
public sealed class TestWebServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2? certificate;
    private readonly CancellationTokenSource stop = new();
    private readonly Dictionary<string, (int Status, string? Location, byte[] Body)> routes = new();
    private readonly HashSet<string> dripping = [];
    private int requests;

    /// <summary>How many requests this server has received.</summary>
    public int Requests => Volatile.Read(ref requests);

    public TestWebServer(bool tls)
    {
        if (tls)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
            CertificatePemPath = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-test-ca-{Guid.NewGuid():N}.pem");
            File.WriteAllText(CertificatePemPath, created.ExportCertificatePem());
        }
        listener.Start();
        _ = Task.Run(AcceptLoop);
    }

    public string? CertificatePemPath { get; }

    public string BaseUrl => $"{(certificate is null ? "http" : "https")}://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    public void Serve(string path, byte[] body) => routes[path] = (200, null, body);

    public void Redirect(string path, string location) => routes[path] = (302, location, []);

    /// <summary>Answers at once with headers, then sends the body one byte every 200 ms (a slowloris download).</summary>
    public void Drip(string path, byte[] body)
    {
        routes[path] = (200, null, body);
        dripping.Add(path);
    }

    private async Task AcceptLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(() => Handle(client));
        }
    }

    private async Task Handle(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (certificate is not null)
                {
                    var ssl = new SslStream(stream);
                    await ssl.AuthenticateAsServerAsync(certificate);
                    stream = ssl;
                }
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync() ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync())) { }
                Interlocked.Increment(ref requests);
                var path = requestLine.Split(' ').ElementAtOrDefault(1) ?? "/";
                var (status, location, body) = routes.TryGetValue(path, out var r) ? r : (404, null, Encoding.ASCII.GetBytes("not found"));
                var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : status == 302 ? "Found" : "Not Found")}\r\nContent-Length: {body.Length}\r\n{(location is null ? "" : $"Location: {location}\r\n")}Connection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                if (dripping.Contains(path))
                {
                    foreach (var b in body)
                    {
                        await stream.WriteAsync(new[] { b }, stop.Token);
                        await stream.FlushAsync(stop.Token);
                        await Task.Delay(200, stop.Token);
                    }
                }
                else
                {
                    await stream.WriteAsync(body);
                }
                await stream.FlushAsync();
            }
            catch (Exception)
            {
                // a client that hung up: nothing to do
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        certificate?.Dispose();
        if (CertificatePemPath is not null)
        {
            File.Delete(CertificatePemPath);
        }
    }
}
