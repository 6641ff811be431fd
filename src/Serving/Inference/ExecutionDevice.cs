using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Streaming.Serving.Inference;

/// <summary>
/// Which device ONNX Runtime runs on, decided once per process: <c>cuda</c> requires the CUDA execution
/// provider; <c>auto</c> tries it and falls back to the CPU when it does not load (no GPU, or the CUDA
/// libraries are missing: ONNX Runtime then throws when the provider is appended), and logs why; <c>cpu</c>
/// never tries.
/// </summary>
public sealed class ExecutionDevice
{
    private readonly ServingOptions _options;

    public ExecutionDevice(ServingOptions options, ILogger<ExecutionDevice> logger)
    {
        _options = options;
        if (options.Device == ExecutionDeviceChoice.Cpu)
        {
            Name = "cpu";
            logger.LogInformation("Serving on the CPU (Serving:Device=cpu)");
            return;
        }
        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            UseCuda = true;
            Name = $"cuda:{options.CudaDeviceId}";
            logger.LogInformation("Serving on CUDA device {Device}", options.CudaDeviceId);
        }
        catch (OnnxRuntimeException e) when (options.Device == ExecutionDeviceChoice.Auto)
        {
            Name = "cpu";
            FallbackReason = e.Message;
            logger.LogWarning("CUDA is not available, serving on the CPU instead (Serving:Device=auto). ONNX Runtime said: {Reason}", e.Message);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException(
                $"Serving:Device=cuda but the CUDA execution provider did not load: {e.Message} Install CUDA and cuDNN for ONNX Runtime, or set Serving:Device=auto to fall back to the CPU.", e);
        }
    }

    /// <summary>"cpu" or "cuda:{id}".</summary>
    public string Name { get; }

    public bool UseCuda { get; }

    /// <summary>Why <c>auto</c> fell back to the CPU, when it did.</summary>
    public string? FallbackReason { get; }

    /// <summary>Session options for one model on this device. Sequential execution: the graph is a chain.</summary>
    public SessionOptions CreateSessionOptions()
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (UseCuda) options.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
        return options;
    }
}
