using System.Globalization;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Signal names by number, as kill -l prints them. Signals 1–31 are numbered the same on x86_64 and
/// arm64 (the generic Linux numbering; only alpha, mips, parisc and sparc differ); 32 and 33 are
/// taken by the C library, so real-time signals are named from 34, SIGRTMIN, to 64, SIGRTMAX.
/// </summary>
internal static class SignalNames
{
    public const int Max = 64;

    private static readonly string[] Standard =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    public static string Name(int signal) => signal switch
    {
        > 0 and < 32 => Standard[signal],
        32 or 33 => "SIG" + signal.ToString(CultureInfo.InvariantCulture),
        34 => "SIGRTMIN",
        Max => "SIGRTMAX",
        > 34 and < Max => "SIGRTMIN+" + (signal - 34).ToString(CultureInfo.InvariantCulture),
        _ => "SIG" + signal.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>"SIGKILL", "KILL", "kill" or "9"; also SIGRTMIN+n, SIGRTMAX-n and SIGIOT/SIGPOLL/SIGCLD.</summary>
    public static bool TryParse(string text, out int signal)
    {
        var name = text.Trim().ToUpperInvariant();
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out signal))
        {
            return signal is > 0 and <= Max;
        }
        if (!name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = "SIG" + name;
        }
        name = name switch { "SIGIOT" => "SIGABRT", "SIGPOLL" => "SIGIO", "SIGCLD" => "SIGCHLD", _ => name };
        for (signal = 1; signal <= Max; signal++)
        {
            if (Name(signal) == name)
            {
                return true;
            }
        }
        if (name.StartsWith("SIGRTMAX-", StringComparison.Ordinal) && int.TryParse(name["SIGRTMAX-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int back) && back < Max - 34)
        {
            signal = Max - back;
            return true;
        }
        signal = 0;
        return false;
    }

    /// <summary>si_code by name: who or what sent it (kill, tgkill, sigqueue, a timer, the kernel), or the signal-specific reason.</summary>
    public static string Code(int signal, int code) => code switch
    {
        0 => "SI_USER",
        0x80 => "SI_KERNEL",
        -1 => "SI_QUEUE",
        -2 => "SI_TIMER",
        -3 => "SI_MESGQ",
        -4 => "SI_ASYNCIO",
        -5 => "SI_SIGIO",
        -6 => "SI_TKILL",
        > 0 when signal == 17 && code <= 6 => ChildCodes[code - 1],
        > 0 when signal == 11 && code <= 2 => code == 1 ? "SEGV_MAPERR" : "SEGV_ACCERR",
        _ => code.ToString(CultureInfo.InvariantCulture),
    };

    private static readonly string[] ChildCodes = ["CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"];
}
