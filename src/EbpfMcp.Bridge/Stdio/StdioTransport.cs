using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Stdio;

/// <summary>
/// MCP over newline-delimited JSON on stdin/stdout, with the two guarantees the bridge needs:
/// a message longer than the cap is never held in memory (it is skipped as it streams in and
/// answered with a JSON-RPC error, carrying its id when the id came before the bulk), and at the
/// end of input every request already read is answered before the session ends.
/// </summary>
public sealed class StdioTransport : TransportBase
{
    /// <summary>How much of an oversized message is kept to find its id.</summary>
    private const int HeadBytes = 4096;
    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly Stream input;
    private readonly Stream output;
    private readonly long maxMessageBytes;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly CancellationTokenSource shutdown = new();
    private readonly HashSet<RequestId> unanswered = [];
    private readonly Task reading;
    private TaskCompletionSource? allAnswered;

    public StdioTransport(Stream input, Stream output, long maxMessageBytes, ILoggerFactory? loggerFactory = null) : base("stdio", loggerFactory)
    {
        this.input = input;
        this.output = output;
        this.maxMessageBytes = maxMessageBytes;
        SetConnected();
        reading = Task.Run(ReadAsync);
    }

    public override async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await output.WriteAsync(json, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(Newline, cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new IOException("The client's end of stdout is gone.", e);
        }
        finally
        {
            sendLock.Release();
        }
        if (message is JsonRpcResponse or JsonRpcError)
        {
            Answered(((JsonRpcMessageWithId)message).Id);
        }
    }

    private async Task ReadAsync()
    {
        Exception? error = null;
        try
        {
            var buffer = new byte[64 * 1024];
            var line = new MemoryStream();
            long skipped = 0; // bytes of an oversized message dropped so far (0: none)
            byte[] head = [];
            int n;
            while ((n = await input.ReadAsync(buffer, shutdown.Token).ConfigureAwait(false)) > 0)
            {
                int start = 0;
                while (start < n)
                {
                    int end = Array.IndexOf(buffer, (byte)'\n', start, n - start);
                    int length = (end < 0 ? n : end) - start;
                    if (skipped == 0 && line.Length + length > maxMessageBytes)
                    {
                        // Too long: keep only its head (to find the id); the rest is counted, not stored.
                        skipped = line.Length + length;
                        line.Write(buffer, start, (int)Math.Min(length, Math.Max(0, HeadBytes - line.Length)));
                        head = line.GetBuffer()[..(int)Math.Min(line.Length, HeadBytes)];
                        line.SetLength(0);
                    }
                    else if (skipped > 0)
                    {
                        skipped += length;
                    }
                    else
                    {
                        line.Write(buffer, start, length);
                    }
                    if (end < 0)
                    {
                        break;
                    }
                    if (skipped > 0)
                    {
                        await RefuseOversizedAsync(head, skipped).ConfigureAwait(false);
                        skipped = 0;
                    }
                    else
                    {
                        await ReceiveAsync(line.GetBuffer().AsMemory(0, (int)line.Length)).ConfigureAwait(false);
                    }
                    line.SetLength(0);
                    start = end + 1;
                }
            }
            if (line.Length > 0)
            {
                await ReceiveAsync(line.GetBuffer().AsMemory(0, (int)line.Length)).ConfigureAwait(false);
            }
            // End of input: the client may still read stdout, so answer what it asked first.
            await WaitForAnswersAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            SetDisconnected(error);
        }
    }

    private async Task ReceiveAsync(ReadOnlyMemory<byte> json)
    {
        if (json.Span.Trim(" \t\r"u8).IsEmpty)
        {
            return;
        }
        JsonRpcMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(json.Span, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage))) as JsonRpcMessage;
        }
        catch (JsonException e)
        {
            await ReplyErrorAsync(RecoverId(json.Span), McpErrorCode.ParseError, $"The message is not valid JSON-RPC: {e.Message}").ConfigureAwait(false);
            return;
        }
        if (message is null)
        {
            return;
        }
        lock (unanswered)
        {
            if (message is JsonRpcRequest request)
            {
                unanswered.Add(request.Id);
            }
            else if (message is JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled
                && cancelled.Params?["requestId"] is { } id && JsonSerializer.Deserialize(id, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId))) is RequestId cancelledId)
            {
                // A cancelled request gets no answer (MCP): nothing to wait for.
                unanswered.Remove(cancelledId);
            }
        }
        await WriteMessageAsync(message, shutdown.Token).ConfigureAwait(false);
        CheckAllAnswered();
    }

    private Task RefuseOversizedAsync(byte[] head, long size) =>
        ReplyErrorAsync(RecoverId(head), McpErrorCode.InvalidRequest, $"The message is {size} bytes, larger than the {maxMessageBytes}-byte limit (--max-body); it was not read.");

    private async Task ReplyErrorAsync(RequestId? id, McpErrorCode code, string message)
    {
        try
        {
            await SendMessageAsync(new JsonRpcError { Id = id ?? default, Error = new JsonRpcErrorDetail { Code = (int)code, Message = message } }, shutdown.Token).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Nobody to tell.
        }
    }

    /// <summary>
    /// The id of a message that cannot be read whole: the top-level "id" when it comes before
    /// anything unreadable (a JSON-RPC client writes it early), else none.
    /// </summary>
    public static RequestId? RecoverId(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 256 }));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                {
                    return null;
                }
                if (isId)
                {
                    return reader.TokenType switch
                    {
                        JsonTokenType.String => new RequestId(reader.GetString()!),
                        JsonTokenType.Number when reader.TryGetInt64(out var number) => new RequestId(number),
                        _ => null,
                    };
                }
                if (!reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private void Answered(RequestId id)
    {
        lock (unanswered)
        {
            unanswered.Remove(id);
        }
        CheckAllAnswered();
    }

    private void CheckAllAnswered()
    {
        TaskCompletionSource? done;
        lock (unanswered)
        {
            done = unanswered.Count == 0 ? allAnswered : null;
        }
        done?.TrySetResult();
    }

    private Task WaitForAnswersAsync()
    {
        lock (unanswered)
        {
            allAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        CheckAllAnswered();
        return allAnswered.Task.WaitAsync(shutdown.Token);
    }

    public override async ValueTask DisposeAsync()
    {
        await shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await reading.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        SetDisconnected();
        shutdown.Dispose();
    }
}
