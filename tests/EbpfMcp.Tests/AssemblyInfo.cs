// Kernel tests compare the kernel's program list before and after: they must not overlap.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
