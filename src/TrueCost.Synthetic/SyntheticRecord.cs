namespace TrueCost.Synthetic;

/// <summary>One generated Kafka record; <see cref="Valid"/> says whether ingest should accept it.</summary>
public sealed record SyntheticRecord(string Topic, string Key, byte[] Value, bool Valid);
