# The module's format views as pwsh renders them: every output type, live and deserialized (what
# remoting over SSH, Start-Job and Import-Clixml give), with no .NET type names where values belong.
BeforeDiscovery {
    # Shared output types live in EbpfMcp.Model; each tracer's event type beside its cmdlet in EbpfMcp.Tracers.
    $types = @('BpfKernelInfo', 'BpfHook', 'BpfMap', 'BpfMapEntry', 'BpfInstallation', 'BpfInstalledProgram', 'BpfInstalledMap',
        'BpfFeature', 'BpfEventGroup', 'BpfTraceJob', 'BpfTraceSummary', 'BpfStackSample' | ForEach-Object { @{ Type = "EbpfMcp.Model.$_" } }) +
    @('BpfSyscallError', 'BpfExecEvent', 'BpfFileOpenEvent', 'BpfTcpStateEvent' | ForEach-Object { @{ Type = "EbpfMcp.Tracers.$_" } })
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    $snapshot = New-BpfSnapshot
    $work = New-TestDirectory formatting
    $format = [xml](Get-Content -Raw "$($T.ModuleFolder)/EbpfMcp.format.ps1xml")

    # One real object of each output type.
    $samples = @{}
    $i = Install-BpfProgram -Path $T.ExampleObject -Attach
    try {
        Start-Sleep -Milliseconds 300
        $samples['BpfInstallation'] = $i
        $samples['BpfInstalledProgram'] = $i.Programs[0]
        $samples['BpfInstalledMap'] = $i.Maps[0]
        $samples['BpfHook'] = Get-BpfHook -Id $i.Programs[0].Id
        $samples['BpfMap'] = Get-BpfMap -Id $i.Maps[0].Id
        $samples['BpfMapEntry'] = Get-BpfMap -Id $i.Maps[0].Id -Dump -First 1
    }
    finally {
        $i | Uninstall-BpfProgram
    }
    $samples['BpfKernelInfo'] = Get-BpfKernelInfo
    $samples['BpfFeature'] = Get-BpfFeature -Category Tracer -Name Trace-BpfExec
    $absent = "$work/absent"
    $w = Start-Workload -DelaySeconds 1 -Code "`ntry: os.open('$absent', os.O_RDONLY)`nexcept OSError: pass"
    $samples['BpfFileOpenEvent'] = Trace-BpfFileOpen -FailedOnly -PathLike $absent -Duration 5 -First 1
    $w = Start-Workload -DelaySeconds 1 -Code "`ntry: os.open('$absent', os.O_RDONLY)`nexcept OSError: pass"
    $samples['BpfEventGroup'] = Trace-BpfFileOpen -FailedOnly -PathLike $absent -Duration 3 -GroupBy ProcessName, Path -InformationVariable summary
    $samples['BpfTraceSummary'] = $summary[0].MessageData
    $samples['BpfTraceJob'] = Trace-BpfExec -AsJob -Duration 60
    $null = Stop-BpfTrace -TraceId $samples['BpfTraceJob'].TraceId
    $samples['BpfStackSample'] = Measure-BpfCpuProfile -Duration 1 -Frequency 199 -First 1
    $w = Start-Workload -DelaySeconds 1 -Code "`ntry: os.open('$absent', os.O_RDONLY)`nexcept OSError: pass"
    # The open the workload makes; python's own start-up may fail a syscall too when the tracer is quick.
    $samples['BpfSyscallError'] = Trace-BpfSyscallError -ProcessId $w.Id -Duration 2 | Where-Object Syscall -Like 'open*' | Select-Object -First 1
    $w = Start-Workload -DelaySeconds 1 -Code "os.execv('/bin/echo', ['/bin/echo', 'one', 'two words'])"
    $samples['BpfExecEvent'] = Trace-BpfExec -ProcessId $w.Id -Duration 5 -First 1
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $w = Start-Workload -DelaySeconds 1 -Code "import socket`nsocket.create_connection(('127.0.0.1', $($listener.LocalEndpoint.Port))).close()"
    $samples['BpfTcpStateEvent'] = Trace-BpfTcpState -Port $listener.LocalEndpoint.Port -Duration 5 -First 1
    $listener.Stop()

    function Get-ViewLabel([string]$type) {
        $view = @($format.Configuration.ViewDefinitions.View | Where-Object { $_.ViewSelectedBy.TypeName -contains $type })[0]
        if ($view.SelectSingleNode('TableControl')) { $view.TableControl.TableHeaders.TableColumnHeader.Label }
        else { $view.ListControl.ListEntries.ListEntry.ListItems.ListItem | ForEach-Object { $_.Label ?? $_.PropertyName } }
    }
    function Get-Deserialized($object) {
        [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($object, 4))
    }
}
AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Format views' {
    It 'render <Type> with its view, the same live and deserialized' -ForEach $types {
        $short = $Type.Split('.')[-1]
        $sample = $samples[$short]
        $sample | Should -Not -BeNullOrEmpty -Because "a $short was produced"
        $sample | Should -BeOfType $Type
        $live = $sample | Out-String -Width 300
        foreach ($label in Get-ViewLabel $Type) { $live | Should -Match "\b$label\b" }
        $live | Should -Not -Match 'System\.[\w.]+\[\]|EbpfMcp\.(Model|Tracers)\.|Deserialized\.'

        $deserialized = Get-Deserialized $sample
        $deserialized.PSObject.TypeNames[0] | Should -Be "Deserialized.$Type"
        ($deserialized | Out-String -Width 300) | Should -Be $live
    }

    It 'leave nothing loaded' {
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}
