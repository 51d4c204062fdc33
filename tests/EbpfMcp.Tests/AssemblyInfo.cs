// Kernel tests compare the kernel's program list before and after: they must not overlap.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
// eBPF is Linux-only, and so are these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
