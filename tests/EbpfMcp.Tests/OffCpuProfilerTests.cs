using EbpfMcp.Kernel.Profiling;
using EbpfMcp.Kernel.Symbols;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// The off-CPU profiler on the real kernel: a process that sleeps in a known way must show that
/// blocked time on its sleeping stack, on both program variants (tp_btf and raw_tp).
/// </summary>
public sealed class OffCpuProfilerTests
{
    public static TheoryData<string> Variants() => new(OffCpuProfiler.Hooks.Select(h => h.Hook));

    [Theory]
    [MemberData(nameof(Variants))]
    public void UsleepLoopShowsItsBlockedTimeOnTheSleepingStack(string variant)
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        using var workload = new ProfiledWorkload("usleep_loop.c").Start("20");
        var hook = OffCpuProfiler.Hooks.Single(h => h.Hook == variant);

        var profile = OffCpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(2), ProcessIds = [workload.Pid] }, default, null, hook);

        KernelPrograms.AssertReturnsTo(before);
        Assert.Equal(variant, profile.Hook);
        Assert.Equal(ProfileKind.OffCpu, profile.Kind);
        Assert.All(profile.Stacks, s => Assert.Equal(workload.Pid, s.ProcessId));
        // Asleep nearly all the time, in up to 200 sleeps of 10 ms each.
        Assert.True(profile.TotalBlockedTime >= TimeSpan.FromSeconds(1.4), $"blocked {profile.TotalBlockedTime} of 2 s:\n{CpuProfilerTests.Describe(profile.Stacks)}");
        Assert.True(profile.TotalBlockedTime <= profile.Elapsed + TimeSpan.FromSeconds(0.5), $"blocked {profile.TotalBlockedTime} in a {profile.Elapsed} profile");
        Assert.InRange(profile.TotalCount, 50UL, 220UL); // fewer when a busy machine wakes it late
        var sleeping = profile.Stacks.Where(s => s.Frames.Any(f => f.Kind == FrameKind.Kernel && f.Name.Contains("nanosleep", StringComparison.Ordinal))).ToList();
        var sleptTime = sleeping.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.BlockedTime);
        Assert.True(sleptTime >= profile.TotalBlockedTime * 0.9, $"{sleptTime} of {profile.TotalBlockedTime} in a nanosleep stack:\n{CpuProfilerTests.Describe(profile.Stacks)}");
        // The user side of the same stacks: the C library's sleep, found through .dynsym.
        Assert.All(sleeping.Take(1), s => Assert.Contains(s.Frames, f => f.Kind == FrameKind.User && f.Name.Contains("sleep", StringComparison.Ordinal)));
        Assert.Equal(workload.Name, profile.Stacks[0].ProcessName);
        var sample = profile.ToSamples()[0];
        Assert.Equal(profile.Stacks[0].BlockedTime, sample.BlockedTime);
        Assert.InRange(sample.Percent, 50, 100);
    }

    [Fact]
    public void BlocksShorterThanTheMinimumAreNotCounted()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        using var sleeper = new ProfiledWorkload("usleep_loop.c").Start("20");

        var profile = OffCpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(1), ProcessIds = [sleeper.Pid], MinBlock = TimeSpan.FromMilliseconds(200) });

        KernelPrograms.AssertReturnsTo(before);
        Assert.Empty(profile.Stacks); // every sleep is about 10 ms
    }

    [Fact]
    public void ABusyProcessIsNotBlockedUnlessPreemptionIsCounted()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        // Two burners on two CPUs beside everything else: preempted now and then, never sleeping.
        using var burner = new ProfiledWorkload("profile_burner.c");
        using var second = new ProfiledWorkload("profile_burner.c");
        using var third = new ProfiledWorkload("profile_burner.c");
        foreach (var w in new[] { burner, second, third })
        {
            w.Start("20"); // killed when the test ends
        }
        // The profiled burner and the second share CPU 0, so each waits for it about half the time;
        // the third keeps the other CPU busy. Left to the scheduler, three burners on two CPUs could
        // leave the profiled one alone on a CPU for the whole second (CI once saw 73 ms of waiting).
        burner.Process.ProcessorAffinity = 1;
        second.Process.ProcessorAffinity = 1;

        var blocked = OffCpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(1), ProcessIds = [burner.Pid] });
        var waiting = OffCpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(1), ProcessIds = [burner.Pid], IncludePreempted = true });

        KernelPrograms.AssertReturnsTo(before);
        // A busy loop blocks only in its rare clock reads (vDSO, no syscall): nearly nothing.
        Assert.True(blocked.TotalBlockedTime < TimeSpan.FromMilliseconds(100), $"blocked {blocked.TotalBlockedTime}:\n{CpuProfilerTests.Describe(blocked.Stacks)}");
        // Two burners on one CPU: the profiled one waits for it about half of the second.
        Assert.True(waiting.TotalBlockedTime >= TimeSpan.FromMilliseconds(150), $"waited {waiting.TotalBlockedTime}:\n{CpuProfilerTests.Describe(waiting.Stacks)}");
    }
}
