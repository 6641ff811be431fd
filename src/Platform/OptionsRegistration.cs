using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Streaming.Platform;

public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to a configuration section (so environment overrides apply) and registers its
    /// value as a plain singleton: services take the options object itself, not <see cref="IOptions{T}"/>.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.Configure<T>(configuration.GetSection(section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services;
    }
}
