# Tab completion as pwsh offers it (TabExpansion2): what is loaded, program types, errno and syscall names.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    $snapshot = New-BpfSnapshot
    $i = Install-BpfProgram -Path $T.ExampleObject -Attach
    $programId = [string]$i.Programs[0].Id
    $mapId = [string]$i.Maps[0].Id
    function Complete([string]$line) { @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches) }
}
AfterAll {
    $i | Uninstall-BpfProgram -ErrorAction SilentlyContinue
}

Describe 'Argument completion' {
    It 'completes Get-BpfHook -Id (and its position) with the programs loaded now, each named in its tooltip' {
        foreach ($line in 'Get-BpfHook -Id ', 'Get-BpfHook ') {
            $matches = Complete $line
            $matches.CompletionText | Should -Contain $programId
            ($matches | Where-Object CompletionText -EQ $programId).ToolTip | Should -Be "${programId}: tracepoint count_syscalls"
            $matches.ResultType | Select-Object -Unique | Should -Be 'ParameterValue'
            $loaded = @((Get-KernelProgram).id | ForEach-Object { [string]$_ })
            $matches.CompletionText | Where-Object { $_ -notin $loaded } | Should -BeNullOrEmpty -Because 'only loaded programs are offered'
        }
        (Complete "Get-BpfHook -Id $($programId.Substring(0, $programId.Length - 1))").CompletionText | Should -Contain $programId
    }

    It 'completes Get-BpfHook -Name with loaded program names starting with what was typed' {
        $matches = Complete 'Get-BpfHook -Name count_sys'
        $matches.CompletionText | Should -Contain 'count_syscalls'
        $matches.CompletionText | Where-Object { $_ -notlike 'count_sys*' } | Should -BeNullOrEmpty
        (Complete 'Get-BpfHook -Name COUNT_SYS').CompletionText | Should -Contain 'count_syscalls' -Because 'case does not matter'
    }

    It 'completes Get-BpfHook -Type with program types, not file paths' {
        (Complete 'Get-BpfHook -Type trac').CompletionText | Should -Be @('tracepoint', 'tracing')
        $all = Complete 'Get-BpfHook -Type '
        $all.CompletionText | Should -Contain 'xdp'
        $all.CompletionText | Should -Contain 'cgroup_skb'
        $all.CompletionText | Should -Not -Contain 'unspec'
        $all.ResultType | Should -Not -Contain 'ProviderItem'
        $all.ResultType | Should -Not -Contain 'ProviderContainer'
    }

    It 'completes Get-BpfMap -Id and -Name with the maps that exist' {
        $ids = Complete 'Get-BpfMap -Id '
        $ids.CompletionText | Should -Contain $mapId
        ($ids | Where-Object CompletionText -EQ $mapId).ToolTip | Should -Be "${mapId}: hash syscall_counts"
        (Complete 'Get-BpfMap -Name syscall_c').CompletionText | Should -Contain 'syscall_counts'
        (Complete "Get-BpfMap -Dump -Id $mapId").CompletionText | Should -Contain $mapId
    }

    It 'completes Uninstall-BpfProgram -Id with this session''s installations, then their programs' {
        $matches = Complete 'Uninstall-BpfProgram -Id '
        $matches[0].CompletionText | Should -Be $i.Id
        $matches[0].ToolTip | Should -Match ([regex]::Escape($T.ExampleObject))
        $matches.CompletionText | Should -Contain $programId
        (Complete 'Uninstall-BpfProgram bpf-').CompletionText | Should -Be @($i.Id)
    }

    It 'completes Trace-BpfSyscallError -Errno and -Syscall with their names' {
        $errno = Complete 'Trace-BpfSyscallError -Errno ENOE'
        $errno.CompletionText | Should -Contain 'ENOENT'
        ($errno | Where-Object CompletionText -EQ 'ENOENT').ToolTip | Should -Be 'ENOENT (2): No such file or directory'
        (Complete 'Trace-BpfSyscallError -Errno eacc').CompletionText | Should -Be @('EACCES')
        $syscall = Complete 'Trace-BpfSyscallError -Syscall opena'
        $syscall.CompletionText | Should -Be @('openat', 'openat2')
        (Complete 'Trace-BpfSyscallError -Syscall ').ResultType | Should -Not -Contain 'ProviderItem'
    }

    It 'offers a program, a map and an installation no more once uninstalled' {
        $i | Uninstall-BpfProgram
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
        (Complete 'Get-BpfHook -Id ').CompletionText | Should -Not -Contain $programId
        # The kernel frees a map after the programs using it, a moment later.
        $null = Wait-Until -TimeoutSeconds 5 { (Complete 'Get-BpfMap -Id ').CompletionText -notcontains $mapId }
        (Complete 'Get-BpfMap -Id ').CompletionText | Should -Not -Contain $mapId
        (Complete 'Uninstall-BpfProgram -Id ').CompletionText | Should -Not -Contain $i.Id
    }
}
