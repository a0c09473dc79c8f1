namespace TrueCost.Ledger.Governance;

/// <summary>The expected cost of one future day and its band (<see cref="ForecastOptions.Coverage"/> of outcomes inside).</summary>
public sealed record ForecastPoint(DateOnly Day, decimal Expected, decimal Low, decimal High);

/// <summary>
/// Where a month's cost will end: <see cref="ActualToDate"/> is the cost of its complete days (those before
/// <see cref="AsOf"/>), <see cref="Expected"/> adds the forecast of the rest, with its band.
/// </summary>
public sealed record MonthEndForecast(DateOnly Month, DateOnly AsOf, decimal ActualToDate, decimal Expected, decimal Low, decimal High);
