using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Converts the kernel's CLOCK_BOOTTIME stamps to wall-clock time against one anchor taken when a
/// trace starts, so decoding an event costs an addition, not a clock read and a time-zone lookup.
/// </summary>
internal readonly struct BoottimeClock
{
    private readonly DateTimeOffset wallAtAnchor;
    private readonly ulong bootAtAnchor;

    private BoottimeClock(DateTimeOffset wall, ulong boot)
    {
        wallAtAnchor = wall;
        bootAtAnchor = boot;
    }

    public static BoottimeClock Now()
    {
        var (utc, boottime) = LibCClock.Anchor();
        return new(new DateTimeOffset(utc).ToLocalTime(), boottime);
    }

    public DateTimeOffset ToWallClock(ulong boottimeNs) => wallAtAnchor.AddTicks(((long)boottimeNs - (long)bootAtAnchor) / 100);
}
