using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace TrueCost.DevInfra;

/// <summary>
/// P/Invoke declarations for librdkafka's mock-cluster API (rdkafka_mock.h). Confluent.Kafka does
/// not wrap it, so the calls go straight to the native library Confluent.Kafka itself loaded: a
/// second copy of librdkafka would not know the first copy's handles.
/// </summary>
internal static partial class LibrdkafkaMock
{
    private const string LibraryName = "librdkafka";

    static LibrdkafkaMock() =>
        NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaMock).Assembly, Resolve);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_handle_mock_cluster")]
    internal static partial IntPtr HandleMockCluster(IntPtr kafkaHandle);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial IntPtr Bootstraps(IntPtr mockCluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode TopicCreate(IntPtr mockCluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial ErrorCode BrokerSetDown(IntPtr mockCluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial ErrorCode BrokerSetUp(IntPtr mockCluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    internal static partial ErrorCode BrokerSetRtt(IntPtr mockCluster, int brokerId, int rttMilliseconds);

    // The variadic rd_kafka_mock_push_request_errors cannot be called portably from .NET; the array form can.
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    internal static partial void PushRequestErrors(IntPtr mockCluster, short apiKey, nuint count, [In] int[] errors);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    internal static partial void ClearRequestErrors(IntPtr mockCluster, short apiKey);

    /// <summary>
    /// The native <c>rd_kafka_t*</c> behind a Confluent.Kafka client. Confluent.Kafka has no public
    /// accessor for it: <see cref="Handle"/> keeps it in the internal <c>LibrdkafkaHandle</c>
    /// property, a <see cref="SafeHandle"/>. Reading that one property by reflection is the
    /// narrowest reach into its internals; everything after it is the public SafeHandle API.
    /// </summary>
    internal static SafeHandle KafkaHandleOf(IClient client)
    {
        var property = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic);
        return property?.GetValue(client.Handle) as SafeHandle
            ?? throw new InvalidOperationException(
                $"Confluent.Kafka {typeof(Handle).Assembly.GetName().Version} no longer keeps the native client in Handle.LibrdkafkaHandle; the librdkafka mock cluster cannot be reached");
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? NativeLibrary.Load(LoadedLibraryPath()) : IntPtr.Zero;

    /// <summary>
    /// Confluent.Kafka picks one of several builds shipped in librdkafka.redist at run time (here
    /// centos8-librdkafka.so, because the default build needs libsasl2.so.3); the process's memory
    /// map names the file it actually loaded.
    /// </summary>
    private static string LoadedLibraryPath()
    {
        Library.Load();
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            throw new PlatformNotSupportedException($"the embedded Kafka mock cluster needs Linux ({maps} lists the loaded librdkafka); set TRUECOST_KAFKA instead");
        }

        return File.ReadLines(maps)
                   .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
                   .Where(fields => fields.Length == 6)
                   .Select(fields => fields[5].Trim())
                   .FirstOrDefault(path => Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
               ?? throw new InvalidOperationException($"Confluent.Kafka reported librdkafka as loaded, but {maps} lists no librdkafka file");
    }
}
