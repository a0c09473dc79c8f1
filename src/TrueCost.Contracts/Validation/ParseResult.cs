namespace TrueCost.Contracts.Validation;

/// <summary>A parsed wire record, or the reason it was rejected (written to the DLQ).</summary>
public readonly record struct ParseResult<T>(T? Record, string? Error)
    where T : class
{
    public bool IsValid => Record is not null;

    public static ParseResult<T> Ok(T record) => new(record, null);

    public static ParseResult<T> Reject(string error) => new(null, error);
}

/// <summary>Turns one Kafka record value into a validated contract or a specific rejection reason.</summary>
public interface IRecordParser<T>
    where T : class
{
    ParseResult<T> Parse(ReadOnlySpan<byte> utf8Json);
}
