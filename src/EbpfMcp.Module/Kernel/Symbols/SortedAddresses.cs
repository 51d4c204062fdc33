namespace EbpfMcp.Kernel.Symbols;

/// <summary>The lookup every symbol table here shares: sorted start addresses, nearest one at or below an address.</summary>
internal static class SortedAddresses
{
    /// <summary>The index of the last start at or below the address (the last of equal starts), or -1.</summary>
    public static int Floor(ulong[] starts, ulong address)
    {
        int lo = 0, hi = starts.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= address)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo - 1;
    }
}
