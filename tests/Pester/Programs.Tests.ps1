# Install-BpfProgram, Uninstall-BpfProgram, Get-BpfHook and Get-BpfMap with the example object, as a
# pwsh user drives them: objects and types, pipelines, -WhatIf/-Confirm, ErrorRecords; bpftool says
# what the kernel really has.
BeforeDiscovery {
    $badInput = @(
        @{ Case = 'a missing file'; Command = 'Install-BpfProgram -Path /nonexistent/missing.bpf.o'; Id = 'ObjectFileNotFound'; Cmdlet = 'InstallBpfProgramCommand'; Category = 'ObjectNotFound'; Target = "'/nonexistent/missing.bpf.o'" }
        @{ Case = 'a directory'; Command = 'Install-BpfProgram -Path /tmp'; Id = 'PathIsDirectory'; Cmdlet = 'InstallBpfProgramCommand'; Category = 'InvalidArgument'; Target = "'/tmp'" }
        @{ Case = 'a text file'; Command = 'Install-BpfProgram -Path $textFile'; Id = 'NotElf'; Cmdlet = 'InstallBpfProgramCommand'; Category = 'InvalidData'; Target = '$textFile' }
        @{ Case = 'a truncated object'; Command = 'Install-BpfProgram -Path $truncated'; Id = 'TruncatedObject'; Cmdlet = 'InstallBpfProgramCommand'; Category = 'InvalidData'; Target = '$truncated' }
        @{ Case = 'a pin path outside bpffs'; Command = 'Install-BpfProgram -Path $T.ExampleObject -PinPath /tmp/not-bpffs'; Id = 'PinPathNotOnBpffs'; Cmdlet = 'InstallBpfProgramCommand'; Category = 'InvalidArgument'; Target = '$T.ExampleObject' }
        @{ Case = 'an unknown installation'; Command = 'Uninstall-BpfProgram -Id bpf-00000000'; Id = 'InstallationNotFound'; Cmdlet = 'UninstallBpfProgramCommand'; Category = 'ObjectNotFound'; Target = "'bpf-00000000'" }
        @{ Case = 'a program that is not loaded'; Command = 'Get-BpfHook -Id 4294967295'; Id = 'ProgramNotFound'; Cmdlet = 'GetBpfHookCommand'; Category = 'ObjectNotFound'; Target = '4294967295' }
        @{ Case = 'a map that does not exist'; Command = 'Get-BpfMap -Id 4294967295 -Dump'; Id = 'MapNotFound'; Cmdlet = 'GetBpfMapCommand'; Category = 'ObjectNotFound'; Target = '4294967295' }
        @{ Case = 'an unknown errno name'; Command = 'Trace-BpfSyscallError -Errno ENOTANERRNO -Duration 1'; Id = 'UnknownErrno'; Cmdlet = 'Tracers.TraceBpfSyscallErrorCommand'; Category = 'InvalidArgument'; Target = "'ENOTANERRNO'" }
        @{ Case = 'an unknown syscall name'; Command = 'Trace-BpfSyscallError -Syscall notasyscall -Duration 1'; Id = 'UnknownSyscall'; Cmdlet = 'Tracers.TraceBpfSyscallErrorCommand'; Category = 'InvalidArgument'; Target = "'notasyscall'" }
        @{ Case = 'a trace longer than allowed'; Command = 'Trace-BpfExec -Duration 3601'; Id = 'ParameterArgumentValidationError'; Cmdlet = 'Tracers.TraceBpfExecCommand'; Category = 'InvalidData'; Target = '$null' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    $snapshot = New-BpfSnapshot
    $work = New-TestDirectory programs
    $textFile = "$work/notes.bpf.o"
    Set-Content -Path $textFile -Value 'not an object'
    $truncated = "$work/truncated.bpf.o"
    [IO.File]::WriteAllBytes($truncated, [IO.File]::ReadAllBytes($T.ExampleObject)[0..999])

    function Wait-ProgramGone([uint32[]]$Id) {
        $null = Wait-Until -TimeoutSeconds 5 { -not (Get-KernelProgram | Where-Object id -In $Id) }
        @(Get-KernelProgram | Where-Object id -In $Id)
    }
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Install-BpfProgram and Uninstall-BpfProgram' {
    It 'installs the example object attached, and the kernel runs it on every system call' {
        $i = Install-BpfProgram -Path $T.ExampleObject -Attach
        try {
            $i | Should -BeOfType EbpfMcp.Model.BpfInstallation
            $i.Id | Should -Match '^bpf-[0-9a-f]{8}$'
            $i.Source | Should -Be $T.ExampleObject
            $i.Sha256 | Should -Be (Get-FileHash $T.ExampleObject).Hash.ToLowerInvariant()
            $i.Programs | Should -HaveCount 1
            $i.Programs[0] | Should -BeOfType EbpfMcp.Model.BpfInstalledProgram
            $i.Programs[0].Name | Should -Be 'count_syscalls'
            $i.Programs[0].AttachedTo | Should -Be 'tracepoint:raw_syscalls:sys_enter'
            $i.Maps | Should -HaveCount 1
            $i.Maps[0] | Should -BeOfType EbpfMcp.Model.BpfInstalledMap
            $i.Maps[0].Name | Should -Be 'syscall_counts'
            $kernel = Get-KernelProgram | Where-Object id -EQ $i.Programs[0].Id
            $kernel.name | Should -Be 'count_syscalls'
            $kernel.type | Should -Be 'tracepoint'
            $kernel.map_ids | Should -Be $i.Maps[0].Id
            $w = Start-Workload -Code 'for _ in range(5000): os.getppid()'
            $w.WaitForExit()
            $python = Get-BpfMap -Id $i.Maps[0].Id -Dump | Where-Object { $_.Key.comm -eq 'python3' }
            $python.Value.calls | Should -BeGreaterOrEqual 5000
        }
        finally {
            $i | Uninstall-BpfProgram
        }
        Wait-ProgramGone $i.Programs.Id | Should -BeNullOrEmpty
    }

    It 'binds files from Get-ChildItem by FullName, and its output pipes into Uninstall-BpfProgram' {
        $i = Get-ChildItem $T.ExampleObject | Install-BpfProgram
        $i.Source | Should -Be $T.ExampleObject
        $i.Programs[0].AttachedTo | Should -BeNullOrEmpty -Because 'without -Attach the program is only loaded'
        Get-KernelProgram | Where-Object id -In $i.Programs.Id | Should -HaveCount 1
        $i | Uninstall-BpfProgram
        Wait-ProgramGone $i.Programs.Id | Should -BeNullOrEmpty
    }

    It 'removes what this session installed through Get-BpfHook | Where-Object | Uninstall-BpfProgram, and refuses a program it did not install' {
        $pin = "/sys/fs/bpf/pester-foreign-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        bpftool prog load $T.ExampleObject $pin
        $LASTEXITCODE | Should -Be 0
        try {
            $foreign = (Get-KernelProgram | Where-Object { $_.name -eq 'count_syscalls' -and $_.id -notin $snapshot.ProgramIds }).id
            $foreign | Should -HaveCount 1
            $mine = Install-BpfProgram -Path $T.ExampleObject -Attach
            Get-BpfHook | Where-Object InstalledBy | Uninstall-BpfProgram
            Wait-ProgramGone $mine.Programs.Id | Should -BeNullOrEmpty

            Get-BpfHook -Id $foreign | Uninstall-BpfProgram -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused | Should -HaveCount 1
            $refused[0].FullyQualifiedErrorId | Should -Be 'NotInstalledByModule,EbpfMcp.Commands.UninstallBpfProgramCommand'
            $refused[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $refused[0].TargetObject.Id | Should -Be $foreign
            Get-KernelProgram | Where-Object id -EQ $foreign | Should -Not -BeNullOrEmpty -Because 'a foreign program is left alone'
        }
        finally {
            Remove-Item $pin -ErrorAction SilentlyContinue
        }
    }

    It '-WhatIf loads nothing and removes nothing, and says what it would do' {
        $before = New-BpfSnapshot
        Install-BpfProgram -Path $T.ExampleObject -Attach -WhatIf | Should -BeNullOrEmpty
        Get-BpfLeftover $before -TimeoutSeconds 0 | Should -BeNullOrEmpty

        $i = Install-BpfProgram -Path $T.ExampleObject
        $i | Uninstall-BpfProgram -WhatIf
        Get-KernelProgram | Where-Object id -In $i.Programs.Id | Should -HaveCount 1 -Because '-WhatIf removes nothing'
        $i | Uninstall-BpfProgram

        $shown = Invoke-Pwsh "Import-Module '$($T.ModuleManifest)'; Install-BpfProgram -Path '$($T.ExampleObject)' -Attach -WhatIf"
        $shown.Output | Should -Match ([regex]::Escape("What if: Performing the operation `"Load and attach BPF programs`" on target `"$($T.ExampleObject)`""))
    }

    It '-Confirm asks first: No loads nothing, Yes installs' {
        $command = "Import-Module '$($T.ModuleManifest)'; `$r = Install-BpfProgram -Path '$($T.ExampleObject)' -Confirm; 'installed: ' + @(`$r).Count"
        $no = Invoke-Pwsh $command -Interactive -InputText "N`n"
        $no.Output | Should -Match 'Are you sure you want to perform this action\?'
        $no.Output | Should -Match 'installed: 0'
        $yes = Invoke-Pwsh $command -Interactive -InputText "Y`n"
        $yes.Output | Should -Match 'installed: 1'
    }

    It 'reports <Case> as an ErrorRecord with id <Id> and category <Category>, and loads nothing' -ForEach $badInput {
        $before = New-BpfSnapshot
        $record = $null
        try {
            & ([scriptblock]::Create("`$ErrorActionPreference = 'Stop'; $Command"))
        }
        catch {
            $record = $_
        }
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -Be ($Cmdlet.StartsWith('Tracers.') ? "$Id,EbpfMcp.$Cmdlet" : "$Id,EbpfMcp.Commands.$Cmdlet")
        $record.CategoryInfo.Category | Should -Be $Category
        "$($record.TargetObject)" | Should -Be "$(& ([scriptblock]::Create($Target)))"
        $record.Exception.Message | Should -Not -BeNullOrEmpty
        Get-BpfLeftover $before | Should -BeNullOrEmpty
    }

    It 'pins under -PinPath on bpffs, and Uninstall-BpfProgram removes the pins' {
        $pinPath = "/sys/fs/bpf/pester-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        $i = Install-BpfProgram -Path $T.ExampleObject -Attach -PinPath $pinPath
        try {
            $i.PinPath | Should -Be $pinPath
            $pins = @(Get-ChildItem -Recurse $pinPath | Where-Object { -not $_.PSIsContainer })
            $pins.Count | Should -BeGreaterOrEqual 2 -Because 'the program and its map are pinned'
            (Get-BpfHook -Id $i.Programs.Id).Pinned | Should -Not -BeNullOrEmpty
        }
        finally {
            $i | Uninstall-BpfProgram
        }
        Test-Path $pinPath | Should -BeFalse
    }

    It 'leaves nothing loaded or pinned' {
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}

Describe 'Get-BpfHook and Get-BpfMap' {
    BeforeAll {
        $before = New-BpfSnapshot
        $i = Install-BpfProgram -Path $T.ExampleObject -Attach
        $programId = $i.Programs[0].Id
        $mapId = $i.Maps[0].Id
    }
    AfterAll {
        # Normally the last test has uninstalled it already.
        $i | Uninstall-BpfProgram -ErrorAction SilentlyContinue
    }

    It 'Get-BpfHook shows the program as bpftool does, with its attach point and installation' {
        $hook = Get-BpfHook -Id $programId
        $hook | Should -BeOfType EbpfMcp.Model.BpfHook
        $kernel = Get-KernelProgram | Where-Object id -EQ $programId
        $hook.Name | Should -Be $kernel.name
        $hook.Type | Should -Be $kernel.type
        $hook.Tag | Should -Be $kernel.tag
        $hook.MapIds | Should -Be $kernel.map_ids
        $hook.AttachedTo | Should -Be 'tracepoint:raw_syscalls:sys_enter'
        $hook.LinkIds | Should -HaveCount 1
        $hook.InstalledBy | Should -Be $i.Id
        $hook.LoadedAt | Should -BeGreaterThan ([DateTimeOffset]::Now.AddMinutes(-5))
    }

    It 'Get-BpfHook filters by -Name with wildcards and by -Type' {
        (Get-BpfHook -Name 'count_sys*').Id | Should -Contain $programId
        (Get-BpfHook -Type tracepoint).Id | Should -Contain $programId
        (Get-BpfHook -Type xdp).Id | Should -Not -Contain $programId
        (Get-BpfHook -Name 'no_such_program_*') | Should -BeNullOrEmpty
    }

    It 'Get-BpfMap shows the map as bpftool does, with the program using it' {
        $map = Get-BpfMap -Id $mapId
        $map | Should -BeOfType EbpfMcp.Model.BpfMap
        $kernel = Get-KernelMap | Where-Object id -EQ $mapId
        $map.Name | Should -Be $kernel.name
        $map.Type | Should -Be $kernel.type
        $map.KeySize | Should -Be 16
        $map.ValueSize | Should -Be 16
        $map.MaxEntries | Should -Be 4096
        $map.ProgramIds | Should -Contain $programId
        $map.InstalledBy | Should -Be $i.Id
    }

    It 'Get-BpfMap -Dump decodes entries through BTF into field-named objects holding the kernel''s counts' {
        $w = Start-Workload -Code 'for _ in range(3000): os.getppid()'
        $w.WaitForExit()
        $entries = @(Get-BpfMap -Id $mapId -Dump)
        $entries[0] | Should -BeOfType EbpfMcp.Model.BpfMapEntry
        $entries.MapId | Select-Object -Unique | Should -Be $mapId
        $entries.PerCpu | Select-Object -Unique | Should -BeFalse
        $python = $entries | Where-Object { $_.Key.comm -eq 'python3' }
        $python.Value.calls | Should -BeGreaterOrEqual 3000
        $python.Value.last_seen_ns | Should -BeGreaterThan 0
        @(Get-BpfMap -Id $mapId -Dump -First 2).Count | Should -BeLessOrEqual 2
    }

    It 'Get-BpfMap output pipes into Get-BpfMap -Dump (ids by property name)' {
        $entries = @(Get-BpfMap -Name syscall_counts | Where-Object Id -EQ $mapId | Get-BpfMap -Dump -First 3)
        $entries.Count | Should -BeGreaterThan 0
        $entries.MapId | Select-Object -Unique | Should -Be $mapId
    }

    It 'leaves nothing loaded once uninstalled' {
        $i | Uninstall-BpfProgram
        Get-BpfLeftover $before | Should -BeNullOrEmpty
    }
}
