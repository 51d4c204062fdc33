# The cmdlets in PowerShell jobs: thread jobs (same process, live objects) and background jobs
# (another process: deserialized objects, rendered by the module's views).
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    $snapshot = New-BpfSnapshot
    $manifest = $T.ModuleManifest
    $marker = "pester-job-$([guid]::NewGuid().ToString('n').Substring(0, 12))"
}

Describe 'Jobs' {
    It 'runs a cmdlet in Start-ThreadJob and returns live objects' {
        $info = Start-ThreadJob { Import-Module $using:manifest; Get-BpfKernelInfo } | Receive-Job -Wait -AutoRemoveJob
        $info | Should -BeOfType EbpfMcp.Model.BpfKernelInfo
        $info.KernelRelease | Should -Be (uname -r)
    }

    It 'traces in a thread job while the session goes on' {
        $job = Start-ThreadJob {
            Import-Module $using:manifest
            Trace-BpfExec -Duration 15 | Where-Object { $_.Arguments -contains $using:marker } | Select-Object -First 1
        }
        try {
            Start-Sleep -Seconds 2
            /bin/echo $marker | Out-Null
            $event = $job | Receive-Job -Wait
            $event | Should -BeOfType EbpfMcp.Tracers.BpfExecEvent
            $event.Filename | Should -Be '/bin/echo'
            $event.ParentProcessId | Should -Be $PID
        }
        finally {
            $job | Remove-Job -Force
        }
    }

    It 'runs in Start-Job (another process): objects come back deserialized and render with the module''s view' {
        $i = Install-BpfProgram -Path $T.ExampleObject -Attach
        try {
            $id = $i.Programs[0].Id
            $hook = Start-Job { param($manifest, $id) Import-Module $manifest; Get-BpfHook -Id $id } -ArgumentList $T.ModuleManifest, $id | Receive-Job -Wait -AutoRemoveJob
            $hook.PSObject.TypeNames[0] | Should -Be 'Deserialized.EbpfMcp.Model.BpfHook'
            $hook.Id | Should -Be $id
            $hook.AttachedTo | Should -Be 'tracepoint:raw_syscalls:sys_enter'
            $hook.InstalledBy | Should -BeNullOrEmpty -Because 'the job''s process did not install it'
            $table = $hook | Out-String -Width 200
            $table | Should -Match 'Id\s+Type\s+Name\s+AttachedTo\s+InstalledBy'
            $table | Should -Match "$id\s+tracepoint\s+count_syscalls\s+tracepoint:raw_syscalls:sys_enter"
        }
        finally {
            $i | Uninstall-BpfProgram
        }
    }

    It 'stops a running trace with Stop-Job, which detaches it' {
        $job = Start-ThreadJob { Import-Module $using:manifest; Trace-BpfExec -Duration 30 }
        try {
            Wait-Until -TimeoutSeconds 15 { Get-KernelProgram | Where-Object { $_.name -eq 'exec_event' -and $_.id -notin $snapshot.ProgramIds } } | Should -BeTrue -Because 'the trace attaches'
            $job | Stop-Job
            $job.State | Should -Be 'Stopped'
            Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
        }
        finally {
            $job | Remove-Job -Force
        }
    }

    It 'traces in the background with -AsJob: a real job Get-Job, Wait-Job, Receive-Job and Remove-Job know' {
        $work = New-TestDirectory asjob
        $job = Trace-BpfFileOpen -AsJob -FailedOnly -PathLike "$work/*" -Duration 4
        try {
            $job | Should -BeOfType EbpfMcp.Model.BpfTraceJob
            $job | Should -BeOfType System.Management.Automation.Job
            $job.TraceId | Should -Match '^[A-Za-z0-9_-]{22}$'
            (Get-Job -Id $job.Id).TraceId | Should -Be $job.TraceId
            Start-Sleep -Milliseconds 500
            1..3 | ForEach-Object { Test-Path "$work/missing$_" -PathType Leaf } | Out-Null
            1..3 | ForEach-Object { try { [System.IO.File]::OpenRead("$work/missing$_").Dispose() } catch { } }
            $job | Wait-Job -Timeout 30 | Out-Null
            $job.State | Should -Be 'Completed'
            Get-BpfLeftover $snapshot | Should -BeNullOrEmpty -Because 'a finished trace is detached at once'
            $events = $job | Receive-Job
            @($events).Count | Should -Be 3
            $events.Path | Should -Be @("$work/missing1", "$work/missing2", "$work/missing3")
            $events[0].ProcessId | Should -Be $PID
        }
        finally {
            $job | Remove-Job -Force
            Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
        }
        { Receive-BpfTrace -TraceId $job.TraceId -ErrorAction Stop } | Should -Throw -ErrorId 'TraceNotFound,EbpfMcp.Commands.ReceiveBpfTraceCommand'
    }

    It 'groups a background trace''s events by the properties asked for, over every event' {
        $work = New-TestDirectory groupby
        $job = Trace-BpfFileOpen -AsJob -FailedOnly -PathLike "$work/*" -Duration 60 -GroupBy Path
        try {
            Start-Sleep -Milliseconds 500
            foreach ($n in 1..5) { try { [System.IO.File]::OpenRead("$work/a").Dispose() } catch { } }
            foreach ($n in 1..2) { try { [System.IO.File]::OpenRead("$work/b").Dispose() } catch { } }
            Wait-Until -TimeoutSeconds 10 { (Get-BpfTrace -TraceId $job.TraceId).EventCount -eq 7 } | Should -BeTrue
            $groups = Stop-BpfTrace -TraceId $job.TraceId
            $groups | Should -BeOfType EbpfMcp.Model.BpfEventGroup
            ($groups | ForEach-Object Count) | Should -Be @(5, 2)
            $groups[0].Group.Path | Should -Be "$work/a"
            ($groups | Out-String) | Should -Match "Path=$([regex]::Escape("$work/a"))"
            (Get-BpfTrace -TraceId $job.TraceId).State | Should -Be 'Stopped'
        }
        finally {
            $job | Remove-Job -Force
            Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
        }
    }
}
