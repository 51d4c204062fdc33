# Get-BpfKernelInfo against what the kernel itself says (uname, sysfs, securityfs).
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    # Mounted idempotently, like bpffs and tracefs.
    if (-not (Select-String -Path /proc/mounts -Pattern ' /sys/kernel/security securityfs ' -Quiet)) { mount -t securityfs securityfs /sys/kernel/security }
    function Get-LockdownFromSecurityfs { if ((Get-Content /sys/kernel/security/lockdown) -match '\[(\w+)\]') { $Matches[1] } }
}

Describe 'Get-BpfKernelInfo' {
    It 'returns one BpfKernelInfo with the facts uname, sysfs and procfs give' {
        $info = @(Get-BpfKernelInfo)
        $info | Should -HaveCount 1
        $info = $info[0]
        $info | Should -BeOfType EbpfMcp.Model.BpfKernelInfo
        $info.KernelRelease | Should -Be (uname -r)
        $info.Architecture | Should -Be (uname -m)
        $info.BtfAvailable | Should -Be (Test-Path /sys/kernel/btf/vmlinux)
        $info.BpffsMounted | Should -BeTrue
        $info.JitEnabled | Should -Be ((Get-Content /proc/sys/net/core/bpf_jit_enable) -ne '0')
        $info.UnprivilegedBpfDisabled | Should -Be ([int](Get-Content /proc/sys/kernel/unprivileged_bpf_disabled))
        $info.Capabilities | Should -Contain 'CAP_BPF'
        $info.Capabilities | Should -Contain 'CAP_SYS_ADMIN'
        $info.CanLoadPrograms | Should -BeTrue
        $info.LibbpfVersion | Should -Match '^v1\.\d+'
    }

    It 'reads the lockdown mode from securityfs' {
        (Get-BpfKernelInfo).Lockdown | Should -Be (Get-LockdownFromSecurityfs)
    }

    It 'reads the lockdown mode where securityfs is not mounted, and mounts nothing for the process' {
        $expected = Get-LockdownFromSecurityfs
        # A private mount namespace without securityfs, as in many containers; the last line counts
        # the securityfs mounts the process's namespace has after the cmdlet ran.
        $script = "umount /sys/kernel/security && '$($T.Pwsh)' -NoProfile -NonInteractive -Command 'Import-Module $($T.ModuleManifest); (Get-BpfKernelInfo).Lockdown'; grep -c ' securityfs ' /proc/self/mounts || true"
        $out = @(unshare --mount --propagation private -- sh -c $script)
        $out | Should -Be @($expected, '0')
    }
}
