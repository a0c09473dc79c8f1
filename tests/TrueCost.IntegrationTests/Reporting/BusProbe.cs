using System.Collections.Concurrent;
using MassTransit;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>Watches every consumption on the bus: what each consumer finished and what it failed on.</summary>
public sealed class BusProbe : IConsumeObserver
{
    private readonly ConcurrentQueue<object> _consumed = new();
    private readonly ConcurrentQueue<(object Message, Exception Error)> _faulted = new();

    public IReadOnlyList<T> Consumed<T>() => [.. _consumed.OfType<T>()];

    public IReadOnlyList<(T Message, Exception Error)> Faulted<T>() => [.. _faulted.Where(f => f.Message is T).Select(f => ((T)f.Message, f.Error))];

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        _consumed.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class
    {
        _faulted.Enqueue((context.Message, exception));
        return Task.CompletedTask;
    }
}
