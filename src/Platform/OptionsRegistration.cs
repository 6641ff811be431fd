using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Streaming.Platform;

public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to a configuration section (so environment overrides apply) and registers its
    /// value as a plain singleton: services take the options object itself, not <see cref="IOptions{T}"/>. Its
    /// DataAnnotations ([Range], [Required]) are checked when the host starts: a setting out of range stops it
    /// at once with a message naming the setting and its range, instead of failing (or spinning) later.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services;
    }
}
