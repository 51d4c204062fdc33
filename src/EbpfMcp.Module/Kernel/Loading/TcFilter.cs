using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// A cls_bpf filter on an interface's clsact qdisc (libbpf 1.1 has no tcx links). Disposing
/// removes the filter, and the clsact qdisc too when this filter created it.
/// </summary>
internal sealed unsafe class TcFilter : IDisposable
{
    private LibBpfAttachApi.TcHook hook;
    private LibBpfAttachApi.TcOptions options;
    private readonly bool createdHook;
    private bool detached;

    public TcFilter(int programFd, int ifindex, bool egress)
    {
        hook = new LibBpfAttachApi.TcHook { Size = (nuint)sizeof(LibBpfAttachApi.TcHook), IfIndex = ifindex, AttachPoint = egress ? 2 : 1 };
        fixed (LibBpfAttachApi.TcHook* h = &hook)
        {
            int rc = LibBpfAttachApi.TcHookCreate(h);
            if (rc != 0 && rc != -17 /* EEXIST: a clsact qdisc is already there */)
            {
                throw BpfException.FromErrno("tc hook (clsact qdisc) create", -rc, "AttachFailed");
            }
            createdHook = rc == 0;
            options = new LibBpfAttachApi.TcOptions { Size = (nuint)sizeof(LibBpfAttachApi.TcOptions), ProgramFd = programFd };
            fixed (LibBpfAttachApi.TcOptions* o = &options)
            {
                rc = LibBpfAttachApi.TcAttach(h, o);
            }
            if (rc != 0)
            {
                if (createdHook)
                {
                    var whole = hook with { AttachPoint = 3 };
                    LibBpfAttachApi.TcHookDestroy(&whole);
                }
                throw BpfException.FromErrno("tc filter attach", -rc, "AttachFailed");
            }
        }
    }

    public void Dispose()
    {
        if (detached)
        {
            return;
        }
        detached = true;
        fixed (LibBpfAttachApi.TcHook* h = &hook)
        {
            // Detach by handle and priority alone, as bpf_tc_detach requires.
            var detach = new LibBpfAttachApi.TcOptions { Size = (nuint)sizeof(LibBpfAttachApi.TcOptions), Handle = options.Handle, Priority = options.Priority };
            LibBpfAttachApi.TcDetach(h, &detach);
            if (createdHook)
            {
                // Only ingress|egress together removes the clsact qdisc itself (one side alone flushes filters).
                var whole = hook with { AttachPoint = 3 };
                LibBpfAttachApi.TcHookDestroy(&whole);
            }
        }
    }
}
