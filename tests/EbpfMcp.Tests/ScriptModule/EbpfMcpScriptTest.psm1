# A script module served with --module: its advanced function is a tool, its simple function is not.

function Get-BpfScriptSum {
    <#
    .SYNOPSIS
    Adds numbers, to show that advanced functions are served like cmdlets.
    .PARAMETER Number
    The numbers to add.
    .PARAMETER Label
    What to call the sum.
    .EXAMPLE
    Get-BpfScriptSum -Number 1, 2 -Label total
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [ValidateCount(1, 10)]
        [int[]] $Number,

        [ValidateSet('sum', 'total')]
        [string] $Label = 'sum',

        $Note
    )
    $sum = 0
    foreach ($n in $Number) { $sum += $n }
    [pscustomobject]@{ Label = $Label; Value = $sum; Note = $Note }
}

function Get-BpfScriptPlain($x) { $x }

Export-ModuleMember -Function Get-BpfScriptSum, Get-BpfScriptPlain
