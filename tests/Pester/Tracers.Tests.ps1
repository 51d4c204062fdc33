# The Trace- cmdlets on the real kernel, with workloads whose events are known, and their output as
# pwsh users consume it: properties, Export-Csv, ConvertTo-Json, stopping early.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    $snapshot = New-BpfSnapshot
    $work = New-TestDirectory tracers
    $marker = "pester-$([guid]::NewGuid().ToString('n').Substring(0, 12))"

    # /bin/sh that sleeps, then replaces itself with /bin/echo: one exec whose argv, pid and parent are known.
    function Start-DelayedEcho([string]$Word, [double]$Delay = 1.5) {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($a in '-c', "sleep $Delay; exec /bin/echo $Word 'two words' >/dev/null") { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        [System.Diagnostics.Process]::Start($psi)
    }
}
AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Trace-BpfExec' {
    BeforeAll {
        $shell = Start-DelayedEcho $marker
        $event = Trace-BpfExec -Duration 10 | Where-Object { $_.Arguments -contains $marker } | Select-Object -First 1
        $shell.WaitForExit()
    }

    It 'reports the exec with its process, parent, file and argv' {
        $event | Should -BeOfType EbpfMcp.Tracers.BpfExecEvent
        $event.ProcessId | Should -Be $shell.Id
        $event.ParentProcessId | Should -Be $PID
        $event.ProcessName | Should -Be 'echo'
        $event.Filename | Should -Be '/bin/echo'
        $event.ReturnCode | Should -Be 0
        $event.Errno | Should -BeNullOrEmpty
        $event.UserId | Should -Be 0
        $event.Timestamp | Should -BeGreaterThan ([DateTimeOffset]::Now.AddMinutes(-1))
    }

    It 'gives Arguments as a list to scripts and JSON' {
        $event.Arguments.Count | Should -Be 3
        $event.Arguments[2] | Should -Be 'two words'
        @($event.Arguments) | Should -Be @('/bin/echo', $marker, 'two words')
        ($event | ConvertTo-Json | ConvertFrom-Json).Arguments | Should -Be @('/bin/echo', $marker, 'two words')
    }

    It 'writes Arguments to Export-Csv as one line of text, quoted as a shell would take it back' {
        $event | Export-Csv -Path "$work/execs.csv"
        $text = Get-Content -Raw "$work/execs.csv"
        $text | Should -Not -Match 'System\.String\[\]|System\.Object\[\]|BpfArgumentList'
        (Import-Csv "$work/execs.csv").Arguments | Should -Be "/bin/echo $marker 'two words'"
        (Import-Csv "$work/execs.csv").Filename | Should -Be '/bin/echo'
    }

    It 'stops early when the pipeline has what it wants, and detaches' {
        $shell = Start-DelayedEcho "$marker-early" 1
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $first = Trace-BpfExec -Duration 30 | Where-Object { $_.Arguments -contains "$marker-early" } | Select-Object -First 1
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 25
        $first.ProcessId | Should -Be $shell.Id
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}

Describe 'Trace-BpfFileOpen' {
    It 'reports failed opens of a path with the errno, filtered in the kernel' {
        $missing = "$work/$marker-missing"
        $w = Start-Workload -DelaySeconds 1.5 -Code @"
for _ in range(3):
    try: os.open('$missing', os.O_RDONLY)
    except OSError: pass
"@
        $events = @(Trace-BpfFileOpen -FailedOnly -PathLike "$work/$marker*" -Duration 5)
        $w.WaitForExit()
        $events.Count | Should -Be 3
        $events[0] | Should -BeOfType EbpfMcp.Tracers.BpfFileOpenEvent
        $events.Path | Select-Object -Unique | Should -Be $missing
        $events.Errno | Select-Object -Unique | Should -Be 'ENOENT'
        $events.Result | Select-Object -Unique | Should -Be -2
        $events.ProcessId | Select-Object -Unique | Should -Be $w.Id
        $events.ProcessName | Select-Object -Unique | Should -Be 'python3'
        $events.Syscall | Select-Object -Unique | Should -Be 'openat'
        $events.Flags | Select-Object -Unique | Should -Match 'O_RDONLY'
    }
}

Describe 'Trace-BpfSyscallError' {
    It 'counts exactly the failing calls of one process, by syscall and errno' {
        $w = Start-Workload -DelaySeconds 2 -Code @"
for _ in range(250):
    try: os.open('$work/$marker-absent', os.O_RDONLY)
    except OSError: pass
"@
        $rows = @(Trace-BpfSyscallError -ProcessId $w.Id -Syscall openat -Errno ENOENT -Duration 5)
        $w.WaitForExit()
        $rows | Should -HaveCount 1
        $rows[0] | Should -BeOfType EbpfMcp.Tracers.BpfSyscallError
        $rows[0].Count | Should -Be 250
        $rows[0].ProcessId | Should -Be $w.Id
        $rows[0].ProcessName | Should -Be 'python3'
        $rows[0].Syscall | Should -Be 'openat'
        $rows[0].Errno | Should -Be 'ENOENT'
        $rows[0].ErrnoNumber | Should -Be 2
        $rows[0].Hook | Should -Not -BeNullOrEmpty
    }
}

Describe 'Trace-BpfTcpState' {
    It 'reports a loopback connection''s state changes on its port' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $w = Start-Workload -DelaySeconds 1.5 -Code "import socket`ns = socket.create_connection(('127.0.0.1', $port))`ntime.sleep(0.2)`ns.close()"
            $events = @(Trace-BpfTcpState -Port $port -Duration 4)
            $w.WaitForExit()
        }
        finally {
            $listener.Stop()
        }
        $events[0] | Should -BeOfType EbpfMcp.Tracers.BpfTcpStateEvent
        $connect = $events | Where-Object { $_.DestinationPort -eq $port -and $_.NewState -eq 'SYN_SENT' }
        $connect | Should -Not -BeNullOrEmpty
        $connect[0].Family | Should -Be 'IPv4'
        $connect[0].DestinationAddress | Should -Be '127.0.0.1'
        $connect[0].ProcessId | Should -Be $w.Id
        $events | Where-Object { $_.DestinationPort -eq $port -and $_.OldState -eq 'SYN_SENT' -and $_.NewState -eq 'ESTABLISHED' } | Should -Not -BeNullOrEmpty
    }
}

Describe 'Get-BpfFeature -Category Tracer' {
    It 'says each Trace- and Measure- cmdlet can run here and on which hook' {
        $features = @(Get-BpfFeature -Category Tracer)
        $features.Name | Sort-Object | Should -Be @((Get-Command -Module EbpfMcp -Verb Trace, Measure).Name | Sort-Object)
        foreach ($f in $features) {
            $f | Should -BeOfType EbpfMcp.Model.BpfFeature
            $f.Supported | Should -BeTrue -Because "$($f.Name): $($f.Reason)"
            $f.Reason | Should -Match '^runs on '
        }
    }

    It 'leaves nothing loaded after the traces' {
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}
