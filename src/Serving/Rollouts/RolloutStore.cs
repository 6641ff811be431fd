using System.Text.Json;
using StackExchange.Redis;
using Streaming.Contracts;

namespace Streaming.Serving.Rollouts;

/// <summary>Rollouts in Redis, <c>rollout:{model}</c> (JSON), shared by every serving node.</summary>
public sealed class RolloutStore(IConnectionMultiplexer redis)
{
    private static string Key(string model) => $"rollout:{model}";

    public async Task<Rollout?> GetAsync(string model, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(Key(model)).WaitAsync(cancellationToken);
        return value.IsNull ? null : JsonSerializer.Deserialize((byte[])value!, ContractsJsonContext.Default.Rollout);
    }

    public Task SetAsync(string model, Rollout rollout, CancellationToken cancellationToken) =>
        redis.GetDatabase().StringSetAsync(Key(model), JsonSerializer.SerializeToUtf8Bytes(rollout, ContractsJsonContext.Default.Rollout)).WaitAsync(cancellationToken);

    public Task DeleteAsync(string model, CancellationToken cancellationToken) =>
        redis.GetDatabase().KeyDeleteAsync(Key(model)).WaitAsync(cancellationToken);
}
