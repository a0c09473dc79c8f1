using Microsoft.Extensions.Configuration;
using TrueCost.Ledger.Governance;
using TrueCost.Reporting.Governance.Budgets;
using TrueCost.Reporting.Governance.Commitments;
using TrueCost.Reporting.Messaging;

namespace TrueCost.Reporting.Governance;

/// <summary>
/// Section "Governance": budgets, anomaly detection, forecasts, and where their alerts go. Bound and validated at
/// start by every process that reads it (the reporting worker evaluates and notifies; the API and CLI show status).
/// </summary>
public sealed class GovernanceOptions
{
    public const string Section = "Governance";

    public List<BudgetDefinition> Budgets { get; set; } = [];

    public AnomalyOptions Anomalies { get; set; } = new();

    public ForecastOptions Forecast { get; set; } = new();

    public AlertOptions Alerts { get; set; } = new();

    public List<CommitmentDefinition> Commitments { get; set; } = [];

    public static GovernanceOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<GovernanceOptions>() ?? new GovernanceOptions();

    public void Validate()
    {
        for (var i = 0; i < Budgets.Count; i++)
        {
            Budgets[i].Validate($"{Section}:Budgets:{i}");
        }

        if (Budgets.GroupBy(b => b.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new InvalidOperationException($"{Section}:Budgets has {duplicate.Count()} budgets named '{duplicate.Key}'; names must be unique");
        }

        Anomalies.Validate();
        Forecast.Validate();
        Alerts.Validate();
        CommitmentOptions.Validate(Commitments);
    }
}

/// <summary>
/// Section "Governance:Alerts": how often budgets and anomalies are evaluated, how far back anomaly alerts look,
/// and the channels alerts go to (each retried on its own; a delivery is recorded per alert and channel).
/// </summary>
public sealed class AlertOptions
{
    /// <summary>Off, the reporting worker does not evaluate (another replica may; evaluation is also locked to one at a time).</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Anomalies starting within this window before now raise alerts; older ones are only listed by the API.</summary>
    public TimeSpan AnomalyWindow { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Off, anomalies are listed by the API and CLI but raise no alert.</summary>
    public bool AnomalyAlerts { get; set; } = true;

    public List<AlertWebhook> Webhooks { get; set; } = [];

    /// <summary>E-mail, through the same kind of SMTP settings as the weekly report's.</summary>
    public SmtpDeliveryOptions? Email { get; set; }

    public void Validate()
    {
        if (EvaluationInterval < TimeSpan.FromMilliseconds(100) || AnomalyWindow < TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException(
                $"{GovernanceOptions.Section}:Alerts needs EvaluationInterval ≥ 100 ms and AnomalyWindow ≥ 1 h (have {EvaluationInterval}, {AnomalyWindow})");
        }

        for (var i = 0; i < Webhooks.Count; i++)
        {
            Webhooks[i].Validate($"{GovernanceOptions.Section}:Alerts:Webhooks:{i}");
        }

        if (Webhooks.GroupBy(w => w.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new InvalidOperationException($"{GovernanceOptions.Section}:Alerts:Webhooks has two webhooks named '{duplicate.Key}'");
        }

        Email?.Validate();
    }
}

public enum AlertPayloadFormat
{
    /// <summary>TrueCost's own JSON: the alert's kind, transition, title, text and figures.</summary>
    TrueCost,

    /// <summary>A Slack incoming-webhook message (<c>text</c> plus mrkdwn blocks); Mattermost and others accept it too.</summary>
    Slack,
}

public sealed class AlertWebhook
{
    public string Name { get; set; } = "webhook";

    public Uri? Url { get; set; }

    public AlertPayloadFormat Format { get; set; } = AlertPayloadFormat.TrueCost;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new InvalidOperationException($"{path}:Name is empty");
        }

        if (Url is null || !Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"{path}:Url '{Url}' must be an absolute http(s) address");
        }

        if (!Enum.IsDefined(Format) || Timeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{path} needs Format TrueCost or Slack and a Timeout above zero");
        }
    }
}
