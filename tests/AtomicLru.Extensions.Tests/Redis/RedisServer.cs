using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AtomicLru.Extensions.Tests.Redis;

/// <summary>
/// A <c>redis-server</c> of the test class's own, on a free loopback port, with persistence off; stopped when the class
/// is done. Missing or failing to start is a test failure, never a skip: <c>build/test.sh</c> installs the server.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;
    private string? _directory;

    /// <summary>The port the server listens on, on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=5000";

    /// <summary>A connection for raw commands (TTL checks, direct deletes).</summary>
    public ConnectionMultiplexer Connection { get; private set; } = null!;

    /// <summary>A key prefix no other test of this server uses.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12] + ":";

    /// <summary>
    /// Waits until <paramref name="key"/> exists. HybridCache's <c>GetOrCreateAsync</c> returns a value its factory made
    /// before its write to Redis lands (its <c>SetAsync</c> waits for the write): a test that reads the value on another
    /// node, or deletes it from Redis, waits for the write first. Fails after 10 s.
    /// </summary>
    public async Task UntilStoredAsync(string key)
    {
        IDatabase database = Connection.GetDatabase();
        var watch = Stopwatch.StartNew();
        while (!await database.KeyExistsAsync(key))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"'{key}' was not written to Redis within 10 s.");
            }

            await Task.Delay(1); // waits for a write in flight, not for an expiry
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        string executable = FindServer();
        _directory = Directory.CreateTempSubdirectory("atomiclru-redis-").FullName;
        Exception? last = null;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Port = FreeLoopbackPort();
            _process = Process.Start(new ProcessStartInfo(executable)
            {
                ArgumentList =
                {
                    "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", _directory,
                    "--loglevel", "warning",
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException($"Could not start {executable}.");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            try
            {
                Connection = await ConnectAsync();
                return;
            }
            catch (Exception exception) when (exception is RedisConnectionException or TimeoutException)
            {
                last = exception; // the port was taken between the probe and the start: try another
                Stop();
            }
        }

        throw new InvalidOperationException($"redis-server did not start on a free loopback port after 5 attempts.", last);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.CloseAsync();
            Connection.Dispose();
        }

        Stop();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"redis-server exited with code {_process.ExitCode}.");
            }

            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},abortConnect=true,connectTimeout=1000");
                await connection.GetDatabase().PingAsync();
                return connection;
            }
            catch (RedisConnectionException) when (watch.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(50); // the server is starting: this waits for a process, not for an expiry
            }
        }
    }

    private void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    private static string FindServer()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-server is not on PATH. build/test.sh installs it (apt-get install -y redis-server); run the tests through it, or install the server yourself.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
