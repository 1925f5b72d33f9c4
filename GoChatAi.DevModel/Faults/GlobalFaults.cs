namespace GoChatAi.DevModel.Faults;

/// <summary>
/// The defaults that <c>POST /_devmodel/faults</c> sets for every later request, for tests that cannot put a
/// directive in the message. Each change gets a new version, so that a <c>fail=500x2</c> set here counts afresh.
/// </summary>
internal sealed class GlobalFaults
{
    private GlobalFaultsSnapshot _current = new(FaultDirective.None, 0);

    public GlobalFaultsSnapshot Current => Volatile.Read(ref _current);

    public GlobalFaultsSnapshot Set(FaultDirective directive)
    {
        while (true)
        {
            var current = Current;
            var next = new GlobalFaultsSnapshot(directive, current.Version + 1);
            if (Interlocked.CompareExchange(ref _current, next, current) == current)
                return next;
        }
    }

    public GlobalFaultsSnapshot Reset() => Set(FaultDirective.None);
}

internal sealed record GlobalFaultsSnapshot(FaultDirective Directive, long Version);
