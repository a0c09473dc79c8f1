using MassTransit;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// The policy every reporting consumer shares: exponential retry from <see cref="ReportingBusOptions.Retry"/>, then
/// the endpoint's _error queue, and at most <see cref="ReportingBusOptions.ConcurrentMessageLimit"/> messages at
/// once, so a message being retried never holds up the rest of its queue.
/// </summary>
public class ReportingConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly RetryOptions _retry;

    public ReportingConsumerDefinition(ReportingBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _retry = options.Retry;
        ConcurrentMessageLimit = options.ConcurrentMessageLimit;
    }

    protected virtual void ConfigureRetry(IRetryConfigurator retry) => _retry.Apply(retry);

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(ConfigureRetry);
}
