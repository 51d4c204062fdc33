namespace EbpfMcp.Bridge.Http;

/// <summary>
/// A response body whose flushes before the first write are held back, for a grace time at most.
/// Writes and flushes after that pass straight through. A held flush and the first write never
/// overlap: the SDK serializes its own writes, but not with this stream's timer.
/// </summary>
internal sealed class HeaderFlushDeferringStream(Stream inner, TimeSpan grace) : Stream
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile bool started;   // written to or flushed through: everything passes
    private bool ended;              // the response is the server's again (under gate)
    private Timer? timer;            // armed by the first held flush (under gate)

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        started ? inner.WriteAsync(buffer, cancellationToken) : FirstWriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        started ? inner.FlushAsync(cancellationToken) : HoldFlushAsync();

    // Synchronous I/O is Kestrel's to allow or refuse: passed through as it is.
    public override void Write(byte[] buffer, int offset, int count)
    {
        gate.Wait();
        started = true;
        gate.Release();
        inner.Write(buffer, offset, count);
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The response is done: a held flush is dropped (the server completes the response).</summary>
    public async Task EndAsync()
    {
        await gate.WaitAsync();
        ended = true;
        timer?.Dispose();
        gate.Release();
    }

    private async ValueTask FirstWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        // Once started is set under the gate, the timer never touches the inner stream again.
        await gate.WaitAsync(cancellationToken);
        started = true;
        timer?.Dispose();
        gate.Release();
        await inner.WriteAsync(buffer, cancellationToken);
    }

    private async Task HoldFlushAsync()
    {
        await gate.WaitAsync();
        if (!started && !ended)
        {
            timer ??= new Timer(_ => _ = FlushHeldAsync(), null, grace, Timeout.InfiniteTimeSpan);
        }
        gate.Release();
    }

    private async Task FlushHeldAsync()
    {
        await gate.WaitAsync();
        try
        {
            if (!started && !ended)
            {
                started = true;
                await inner.FlushAsync();
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away meanwhile: there is nobody to start a response for.
        }
        finally
        {
            gate.Release();
        }
    }
}
