namespace TrueCost.UnitTests.Contracts.Metrics;

/// <summary>
/// /metrics bodies shaped like the real exporters' output. Facts taken from, not copied:
/// NVIDIA/dcgm-exporter README.md (curl localhost:9400/metrics: HELP/TYPE block first, labels gpu and UUID first;
/// DCGM_FI_DEV_MEMORY_TEMP 9223372036854775794 where a field is not supported),
/// NVIDIA/dcgm-exporter etc/default-counters.csv and etc/dcp-metrics-included.csv (field names, types, help
/// texts), NVIDIA/DCGM dcgmlib/dcgm_structs.h and NVIDIA/go-dcgm pkg/dcgm/dcgm_structs.h (blank values), vllm-project/vllm docs/design/metrics.md
/// (V1 names, model_name label, prometheus_client output with ".0" values and _created series) and the V0 list
/// in the same file's history (vllm:gpu_cache_usage_perc), prometheus/docs content/docs/instrumenting/exposition_formats.md
/// (label escapes, millisecond timestamps, the msdos_file_access_time_seconds example) and the OpenMetrics 1.0 specification
/// (OpenObservability/OpenMetrics specification/OpenMetrics.md: _total, _created, # UNIT, # EOF, timestamps in seconds).
/// </summary>
internal static class ExporterOutput
{
    public const string Gpu0 = "GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52";
    public const string Gpu1 = "GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17";

    /// <summary>dcgm-exporter 4.x with the default counters plus DCGM_FI_PROF_GR_ENGINE_ACTIVE, two H100s, Kubernetes pod mapping on.</summary>
    public const string DcgmTwoH100 = """
        # HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).
        # TYPE DCGM_FI_DEV_SM_CLOCK gauge
        # HELP DCGM_FI_DEV_MEMORY_TEMP Memory temperature (in C).
        # TYPE DCGM_FI_DEV_MEMORY_TEMP gauge
        # HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
        # TYPE DCGM_FI_DEV_POWER_USAGE gauge
        # HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).
        # TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
        # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
        # TYPE DCGM_FI_DEV_GPU_UTIL gauge
        # HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).
        # TYPE DCGM_FI_DEV_FB_FREE gauge
        # HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
        # TYPE DCGM_FI_DEV_FB_USED gauge
        # HELP DCGM_FI_PROF_GR_ENGINE_ACTIVE Ratio of time the graphics engine is active.
        # TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge
        DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 1980
        DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 1980
        DCGM_FI_DEV_MEMORY_TEMP{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 9223372036854775794
        DCGM_FI_DEV_MEMORY_TEMP{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 9223372036854775794
        DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 512.348000
        DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 140737488355330
        DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 81934402871
        DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 80215530112
        DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 100
        DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 97
        DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 5113
        DCGM_FI_DEV_FB_FREE{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 5113
        DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 75966
        DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 75966
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 0.612345
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="1",UUID="GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-1",DCGM_FI_DRIVER_VERSION="550.90.07",container="vllm",namespace="llm",pod="vllm-llama-0"} 140737488355328
        """;

    /// <summary>
    /// One H100 split into a 1g.10gb and a 3g.40gb MIG instance (README sample style: a space after each comma).
    /// GPU_UTIL is not supported under MIG; the profiling field is per instance; power is the device's.
    /// </summary>
    public const string DcgmMig = """
        # HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
        # TYPE DCGM_FI_DEV_POWER_USAGE gauge
        DCGM_FI_DEV_POWER_USAGE{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="1g.10gb", GPU_I_ID="9", Hostname="gpu-node-2"} 400
        DCGM_FI_DEV_POWER_USAGE{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="3g.40gb", GPU_I_ID="2", Hostname="gpu-node-2"} 400
        # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
        # TYPE DCGM_FI_DEV_GPU_UTIL gauge
        DCGM_FI_DEV_GPU_UTIL{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="1g.10gb", GPU_I_ID="9", Hostname="gpu-node-2"} 2147483634
        DCGM_FI_DEV_GPU_UTIL{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="3g.40gb", GPU_I_ID="2", Hostname="gpu-node-2"} 2147483634
        # HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
        # TYPE DCGM_FI_DEV_FB_USED gauge
        DCGM_FI_DEV_FB_USED{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="1g.10gb", GPU_I_ID="9", Hostname="gpu-node-2"} 9216
        DCGM_FI_DEV_FB_USED{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="3g.40gb", GPU_I_ID="2", Hostname="gpu-node-2"} 30210
        # HELP DCGM_FI_PROF_GR_ENGINE_ACTIVE Ratio of time the graphics engine is active.
        # TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="1g.10gb", GPU_I_ID="9", Hostname="gpu-node-2"} 0.25
        DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0", UUID="GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", GPU_I_PROFILE="3g.40gb", GPU_I_ID="2", Hostname="gpu-node-2"} 0.8
        """;

    /// <summary>vLLM V1 (prometheus_client, text 0.0.4): the counter's family is declared with _total and its _created series as a gauge of its own.</summary>
    public static string VllmV1(double running, double waiting, double kv, double prompt, double generation) => $$"""
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} {{running:0.0}}
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} {{waiting:0.0}}
        # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} {{kv}}
        # HELP vllm:prompt_tokens_total Number of prefill tokens processed.
        # TYPE vllm:prompt_tokens_total counter
        vllm:prompt_tokens_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} {{prompt:0.0}}
        # HELP vllm:prompt_tokens_created Number of prefill tokens processed.
        # TYPE vllm:prompt_tokens_created gauge
        vllm:prompt_tokens_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7636958521844473e+09
        # HELP vllm:generation_tokens_total Number of generation tokens processed.
        # TYPE vllm:generation_tokens_total counter
        vllm:generation_tokens_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} {{generation:0.0}}
        # HELP vllm:generation_tokens_created Number of generation tokens processed.
        # TYPE vllm:generation_tokens_created gauge
        vllm:generation_tokens_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.7636958521844473e+09
        # HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
        # TYPE vllm:time_to_first_token_seconds histogram
        vllm:time_to_first_token_seconds_bucket{engine="0",le="0.02",model_name="meta-llama/Llama-3.1-8B-Instruct"} 13.0
        vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="meta-llama/Llama-3.1-8B-Instruct"} 140.0
        vllm:time_to_first_token_seconds_count{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 140.0
        vllm:time_to_first_token_seconds_sum{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 5.432
        """;

    /// <summary>vLLM V0 (before the V1 engine): the KV-cache gauge was vllm:gpu_cache_usage_perc, no engine label.</summary>
    public static string VllmV0(double running, double waiting, double kv, double prompt, double generation) => $$"""
        # HELP vllm:num_requests_running Number of requests currently running on GPU.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="mistralai/Mistral-7B-Instruct-v0.3"} {{running:0.0}}
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{model_name="mistralai/Mistral-7B-Instruct-v0.3"} {{waiting:0.0}}
        # HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:gpu_cache_usage_perc gauge
        vllm:gpu_cache_usage_perc{model_name="mistralai/Mistral-7B-Instruct-v0.3"} {{kv}}
        # HELP vllm:prompt_tokens_total Number of prefill tokens processed.
        # TYPE vllm:prompt_tokens_total counter
        vllm:prompt_tokens_total{model_name="mistralai/Mistral-7B-Instruct-v0.3"} {{prompt:0.0}}
        # HELP vllm:generation_tokens_total Number of generation tokens processed.
        # TYPE vllm:generation_tokens_total counter
        vllm:generation_tokens_total{model_name="mistralai/Mistral-7B-Instruct-v0.3"} {{generation:0.0}}
        """;
}
