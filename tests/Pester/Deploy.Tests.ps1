# deploy/: the systemd unit (verified offline, and its capability set tried for real through setpriv),
# the Kubernetes manifest (validated offline against the API types) and the container's command line
# (run from a local build in private namespaces). What cannot run here is said in README.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    $snapshot = New-BpfSnapshot
    $work = New-TestDirectory deploy
    $unitFile = "$($T.RepoRoot)/deploy/systemd/ebpf-mcp.service"
    $unit = Get-Content $unitFile
    $capabilities = @((($unit | Where-Object { $_ -like 'CapabilityBoundingSet=*' }) -replace '^CapabilityBoundingSet=', '') -split ' ')
    # setpriv's names: cap_bpf -> bpf.
    function Get-BoundingSet([string[]]$caps) { '-all,' + (($caps | ForEach-Object { '+' + $_.Substring(4).ToLowerInvariant() }) -join ',') }
    # The launcher builds the bridge into out/bridge when needed (README's ./ebpf-mcp).
    $null = bash -c "cd '$($T.RepoRoot)' && ./ebpf-mcp --help" 2>&1
    $bridge = "$($T.RepoRoot)/out/bridge/ebpf-mcp"
}
AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'deploy/systemd/ebpf-mcp.service' {
    It 'passes systemd-analyze verify, with no unknown or misplaced settings' {
        $root = "$work/root"
        $null = New-Item -ItemType Directory -Force -Path "$root/etc/systemd/system", "$root/opt/ebpf-mcp", "$root/lib/systemd"
        cp -r /lib/systemd/system "$root/lib/systemd/"   # unit names with backslashes: cp, not Copy-Item
        Copy-Item $unitFile "$root/etc/systemd/system/"
        Copy-Item $bridge "$root/opt/ebpf-mcp/ebpf-mcp"   # the ExecStart binary must exist and be executable
        $out = systemd-analyze verify --root=$root ebpf-mcp.service 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        "$out" | Should -BeNullOrEmpty
    }

    It 'bounds the service to CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN and CAP_NET_ADMIN, with which every cmdlet works' {
        $capabilities | Sort-Object | Should -Be @('CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON', 'CAP_SYS_ADMIN')
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($T.ModuleManifest)'
(Get-BpfKernelInfo).Capabilities -join ','
`$i = Install-BpfProgram -Path '$($T.ExampleObject)' -Attach
(Get-BpfHook -Id `$i.Programs.Id).AttachedTo
@(Get-BpfMap -Id `$i.Maps.Id -Dump).Count -gt 0
`$i | Uninstall-BpfProgram
`$null = Trace-BpfExec -Duration 1
`$null = Trace-BpfSyscallError -Duration 1
(Get-BpfFeature -Category Tracer | Where-Object { -not `$_.Supported }).Name -join ','
(Get-BpfFeature -Category AttachKind -Name xdp, tc).Supported -join ','
'done'
"@
        $r = Invoke-Pwsh $script -Prefix 'setpriv', '--bounding-set', (Get-BoundingSet $capabilities), '--inh-caps', '-all', '--'
        $r.ExitCode | Should -Be 0 -Because "$($r.Output)$($r.Errors)"
        $lines = @($r.Output.Trim() -split "`n" | ForEach-Object Trim)
        ($lines[0] -split ',' | Sort-Object) | Should -Be ($capabilities | Sort-Object)
        $lines[1] | Should -Be 'tracepoint:raw_syscalls:sys_enter'
        $lines[2] | Should -Be 'True'
        $lines[3] | Should -BeNullOrEmpty -Because 'every tracer can run'
        $lines[4] | Should -Be 'True,True' -Because 'XDP and tc work with CAP_NET_ADMIN'
        $lines[5] | Should -Be 'done'
    }

    It 'needs CAP_SYS_ADMIN of them: without it Get-BpfHook is refused with PermissionDenied' {
        $fewer = $capabilities | Where-Object { $_ -ne 'CAP_SYS_ADMIN' }
        $r = Invoke-Pwsh "Import-Module '$($T.ModuleManifest)'; try { Get-BpfHook -ErrorAction Stop } catch { `$_.CategoryInfo.Category }" -Prefix 'setpriv', '--bounding-set', (Get-BoundingSet $fewer), '--inh-caps', '-all', '--'
        $r.Output.Trim() | Should -Be 'PermissionDenied'
    }

    It 'starts the bridge with its command line and a credential token, under its capabilities' {
        $exec = ($unit | Where-Object { $_ -like 'ExecStart=*' }) -replace '^ExecStart=', ''
        $credentials = (New-Item -ItemType Directory -Path "$work/credentials").FullName
        $token = [guid]::NewGuid().ToString('n')
        Set-Content -Path "$credentials/token" -Value $token -NoNewline
        $port = Get-FreeTcpPort
        $arguments = @($exec -split ' ' | Select-Object -Skip 1 | ForEach-Object { $_.Replace('%d', $credentials) })
        $arguments[$arguments.IndexOf('--port') + 1] | Should -Be '8080'
        $arguments[$arguments.IndexOf('--port') + 1] = "$port"   # 8080 may be someone else's here
        $psi = [System.Diagnostics.ProcessStartInfo]::new('setpriv')
        foreach ($a in @('--bounding-set', (Get-BoundingSet $capabilities), '--inh-caps', '-all', '--', $bridge) + $arguments) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $log = $p.StandardError.ReadToEndAsync()
        try {
            $null = Wait-Until -TimeoutSeconds 60 { (Test-TcpPort 127.0.0.1 $port) -or $p.HasExited }
            $body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"tool":"hooks_inspect","input":{}}}'
            $answer = Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$port/mcp" -Headers @{ Authorization = "Bearer $token" } -ContentType 'application/json' -Body $body
            $answer.result.PSObject.Properties.Name | Should -Contain 'programs'
            { Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$port/mcp" -ContentType 'application/json' -Body $body } | Should -Throw -Because 'no token, no answer'
        }
        finally {
            if (-not $p.HasExited) { $p.Kill() }
            $p.WaitForExit()
        }
    }
}

Describe 'deploy/kubernetes and deploy/container' {
    BeforeAll {
        $check = "$($T.RepoRoot)/tests/deploy-check"
        $manifest = "$($T.RepoRoot)/deploy/kubernetes/ebpf-mcp.yaml"
        $results = @(node "$check/validate.mjs" $manifest | ConvertFrom-Json -Depth 50)
        $validStatus = $LASTEXITCODE
        $daemonSet = ($results | Where-Object kind -EQ 'DaemonSet').document
        $containerfile = Get-Content "$($T.RepoRoot)/deploy/container/Containerfile"
        function Get-JsonInstruction([string]$name) { (($containerfile | Where-Object { $_ -like "$name *" }) -replace "^$name ", '') | ConvertFrom-Json }
    }

    It 'has manifests that validate against the Kubernetes API types, offline' {
        $validStatus | Should -Be 0 -Because ($results | Select-Object kind, valid, error | ConvertTo-Json -Compress)
        $results.kind | Should -Be @('Namespace', 'DaemonSet', 'Service')
        $results.valid | Select-Object -Unique | Should -BeTrue
    }

    It 'has a validator that rejects a manifest with a wrong type in it' {
        (Get-Content -Raw $manifest).Replace('containerPort: 8080', 'containerPort: "eighty"') | Set-Content "$work/broken.yaml"
        $broken = @(node "$check/validate.mjs" "$work/broken.yaml" | ConvertFrom-Json -Depth 50)
        $LASTEXITCODE | Should -Be 1
        ($broken | Where-Object kind -EQ 'DaemonSet').error | Should -Match 'containerPort'
    }

    It 'gives the bridge on every node what it needs: host PIDs, capabilities, kernel filesystems, the token Secret, a liveness probe' {
        $pod = $daemonSet.spec.template.spec
        $pod.hostPID | Should -BeTrue
        $c = $pod.containers[0]
        $c.securityContext.capabilities.add | Sort-Object | Should -Be @('BPF', 'NET_ADMIN', 'PERFMON', 'SYS_ADMIN')
        $c.securityContext.seccompProfile.type | Should -Be 'Unconfined'
        $mounts = @{}
        foreach ($m in $c.volumeMounts) { $mounts[$m.name] = $m.mountPath }
        $volumes = @{}
        foreach ($v in $pod.volumes) { $volumes[$v.name] = $v }
        foreach ($path in '/sys/fs/bpf', '/sys/kernel/btf', '/sys/kernel/tracing', '/sys/kernel/security', '/proc') {
            $name = ($volumes.Values | Where-Object { $_.hostPath.path -eq $path }).name
            $name | Should -Not -BeNullOrEmpty -Because "$path comes from the host"
            $mounts[$name] | Should -Not -BeNullOrEmpty -Because "$path is mounted"
        }
        $mounts['bpffs'] | Should -Be '/sys/fs/bpf'
        $mounts['btf'] | Should -Be '/sys/kernel/btf'
        $tokenVolume = $volumes.Values | Where-Object { $_.secret }
        $tokenVolume.secret.secretName | Should -Be 'ebpf-mcp-token'
        $tokenFile = $c.args[[array]::IndexOf($c.args, '--token-file') + 1]
        (Split-Path $tokenFile) | Should -Be $mounts[$tokenVolume.name]
        $c.livenessProbe.tcpSocket.port | Should -Be 'mcp'
        ($c.ports | Where-Object name -EQ 'mcp').containerPort | Should -Be 8080
    }

    It 'runs the image''s command line, which the DaemonSet repeats, as a server answering with the Secret''s token (local build, private namespaces)' {
        $entrypoint = Get-JsonInstruction 'ENTRYPOINT'
        $cmd = @(Get-JsonInstruction 'CMD')
        $entrypoint | Should -Be @('/opt/ebpf-mcp/ebpf-mcp')
        @($daemonSet.spec.template.spec.containers[0].args) | Should -Be $cmd
        $tokenFile = $cmd[[array]::IndexOf($cmd, '--token-file') + 1]
        $port = $cmd[[array]::IndexOf($cmd, '--port') + 1]
        $token = [guid]::NewGuid().ToString('n')
        # A private network namespace (0.0.0.0 there reaches no real interface) and mount namespace
        # (a tmpfs on /run holds the Secret's file where the pod has it).
        $quoted = ($cmd | ForEach-Object { "'$_'" }) -join ' '
        $script = @"
set -e
ip link set lo up
mount -t tmpfs tmpfs /run
mkdir -p "`$(dirname $tokenFile)"
printf %s $token > $tokenFile
'$bridge' $quoted 2>/dev/null &
for i in `$(seq 1 120); do curl -s -o /dev/null 127.0.0.1:$port && break; sleep 0.5; done
curl -s -X POST http://127.0.0.1:$port/mcp -H 'Authorization: Bearer $token' -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"tool":"info","input":{}}}'
echo
curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$port/mcp -d '{}'
echo
kill %1
"@
        $out = @(unshare --net --mount --propagation private -- bash -c $script)
        ($out[0] | ConvertFrom-Json).result.kernel_release | Should -Be (uname -r)
        $out[1] | Should -Be '401'
    }

    It 'leaves nothing loaded' {
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}
