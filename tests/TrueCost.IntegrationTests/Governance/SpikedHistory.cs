using Npgsql;

namespace TrueCost.IntegrationTests.Governance;

/// <summary>
/// Six weeks of hourly cost in cost_hourly ending at <paramref name="end"/>: acme (chat and search) and globex (chat)
/// with a daily and weekly rhythm, and a three-hour spike (×5) of acme's chat route starting 26 hours before the end.
/// </summary>
public sealed class SpikedHistory(DateTimeOffset end)
{
    public DateTimeOffset End => end;

    public DateTimeOffset SpikeStart => end.AddHours(-26);

    /// <summary>What the spike added over the route's own level, as seeded (known after <see cref="SeedAsync"/>).</summary>
    public decimal InjectedImpact { get; private set; }

    /// <summary>Cost per hour: busier in working hours and on weekdays, ±4 % deterministic noise, the spike ×5.</summary>
    public async Task SeedAsync(NpgsqlDataSource db)
    {
        var rows = new List<(DateTimeOffset Hour, string Tenant, string Route, decimal Amount)>();
        var random = new Random(7);
        for (var hour = end.AddDays(-42); hour < end; hour = hour.AddHours(1))
        {
            var daytime = hour.Hour is >= 8 and < 20 ? 1.6m : 0.7m;
            var weekday = hour.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.6m : 1.0m;
            foreach (var (tenant, route, level) in new[] { ("acme", "chat", 20m), ("acme", "search", 8m), ("globex", "chat", 12m) })
            {
                var amount = level * daytime * weekday * (0.96m + (0.08m * (decimal)random.NextDouble()));
                if (tenant == "acme" && route == "chat" && hour >= SpikeStart && hour < SpikeStart.AddHours(3))
                {
                    InjectedImpact += Math.Round(amount * 5, 2) - Math.Round(amount, 2);
                    amount *= 5;
                }

                rows.Add((hour, tenant, route, Math.Round(amount, 2)));
            }
        }

        await using var cmd = db.CreateCommand("""
            insert into truecost.cost_hourly (hour, route, tenant, model, traffic_class, currency, direct_inference, platform_overhead, observability,
                engineering, incident, idle, total)
            select h, r, t, 'gpt-4o', 'interactive', 'USD', a, 0, 0, 0, 0, 0, a from unnest($1::timestamptz[], $2::text[], $3::text[], $4::numeric[]) as x(h, t, r, a)
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Hour).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Tenant).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Route).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Amount).ToArray() });
        await cmd.ExecuteNonQueryAsync();
    }

}
