using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace TrueCost.Api.Querying;

public sealed class PageParameters
{
    [FromQuery(Name = "page"), Description("Page number, from 1 (default 1)")]
    public string? Page { get; init; }

    [FromQuery(Name = "page_size"), Description("Rows per page, 1..1000 (default 100)")]
    public string? PageSize { get; init; }
}

internal sealed record Paging(int Page, int PageSize)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public long Offset => (long)(Page - 1) * PageSize;

    /// <summary>Always a paging to go on with: an invalid value is recorded in <paramref name="errors"/> and replaced by its default.</summary>
    public static Paging Parse(PageParameters p, ParameterErrors errors) =>
        new(Whole("page", p.Page, 1, 1, int.MaxValue, errors), Whole("page_size", p.PageSize, DefaultPageSize, 1, MaxPageSize, errors));

    private static int Whole(string name, string? value, int fallback, int min, int max, ParameterErrors errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors.Add(name, $"{name} '{value}' is not a whole number in {min}..{max}");
        return fallback;
    }
}

/// <summary>One page of a listing, with the count of all rows the listing holds.</summary>
public sealed record RowsPage<T>(DateTimeOffset? From, DateTimeOffset? To, int Page, int PageSize, long TotalRows, IReadOnlyList<T> Rows);
