// SPDX-License-Identifier: GPL-2.0
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace EbpfMcp.Native;

/// <summary>
/// Just enough rtnetlink to create a veth pair in the calling thread's network namespace (for
/// probing XDP and tc on a real pair of devices without depending on iproute2).
/// </summary>
internal static partial class RtNetlink
{
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkRoute = 0;
    private const ushort RtmNewLink = 16, NlmFRequest = 1, NlmFAck = 4, NlmFExcl = 0x200, NlmFCreate = 0x400, NlmsgError = 2;
    private const ushort IflaIfname = 3, IflaLinkinfo = 18, IflaInfoKind = 1, IflaInfoData = 2, VethInfoPeer = 1;
    private const int IfInfoMsgSize = 16;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Receive(int fd, byte* buffer, nuint length, int flags);

    /// <summary>ip link add <paramref name="name"/> type veth peer name <paramref name="peer"/>; returns 0 or an errno.</summary>
    public static unsafe int CreateVethPair(string name, string peer)
    {
        var peerInfo = Concat(new byte[IfInfoMsgSize], Attribute(IflaIfname, CString(peer)));
        var linkInfo = Concat(Attribute(IflaInfoKind, CString("veth")), Attribute(IflaInfoData, Attribute(VethInfoPeer, peerInfo)));
        var payload = Concat(new byte[IfInfoMsgSize], Attribute(IflaIfname, CString(name)), Attribute(IflaLinkinfo, linkInfo));
        var message = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), RtmNewLink);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), NlmFRequest | NlmFAck | NlmFExcl | NlmFCreate);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 1);
        payload.CopyTo(message, 16);

        int fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        try
        {
            fixed (byte* m = message)
            {
                if (Send(fd, m, (nuint)message.Length, 0) < 0)
                {
                    return Marshal.GetLastPInvokeError();
                }
            }
            var reply = new byte[4096];
            fixed (byte* r = reply)
            {
                nint n = Receive(fd, r, (nuint)reply.Length, 0);
                if (n < 20)
                {
                    return n < 0 ? Marshal.GetLastPInvokeError() : 5 /* EIO */;
                }
            }
            // The acknowledgement is an NLMSG_ERROR whose error field is 0 on success, -errno otherwise.
            return BinaryPrimitives.ReadUInt16LittleEndian(reply.AsSpan(4)) == NlmsgError ? -BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(16)) : 0;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private static byte[] CString(string s) => Encoding.ASCII.GetBytes(s + "\0");

    /// <summary>struct rtattr { u16 len; u16 type; } + payload, padded to 4 bytes.</summary>
    private static byte[] Attribute(ushort type, byte[] payload)
    {
        int length = 4 + payload.Length;
        var attribute = new byte[(length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), type);
        payload.CopyTo(attribute, 4);
        return attribute;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
