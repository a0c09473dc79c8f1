using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TrueCost.Ledger.Observability;

/// <summary>
/// The measurements of one observable gauge, gathered from whatever currently supplies them: a worker adds its
/// source when it starts and removes it when it stops, so the gauge is created once per process however many hosts
/// come and go (tests, <c>truecost dev</c>).
/// </summary>
public sealed class GaugeSources<T>
    where T : struct
{
    private readonly ConcurrentDictionary<Registration, Func<IEnumerable<Measurement<T>>>> _sources = new();

    /// <summary>Creates the gauge on <see cref="TrueCostTelemetry.Meter"/>.</summary>
    public GaugeSources(string name, string? unit, string description)
    {
        TrueCostTelemetry.Meter.CreateObservableGauge(name, Observe, unit, description);
    }

    /// <summary>Adds a source until the returned handle is disposed.</summary>
    public IDisposable Add(Func<IEnumerable<Measurement<T>>> source)
    {
        var registration = new Registration(this);
        _sources[registration] = source;
        return registration;
    }

    /// <summary>What every current source measures now.</summary>
    public IEnumerable<Measurement<T>> Observe() => [.. _sources.Values.SelectMany(source => source())];

    private sealed class Registration(GaugeSources<T> owner) : IDisposable
    {
        public void Dispose() => owner._sources.TryRemove(this, out _);
    }
}
