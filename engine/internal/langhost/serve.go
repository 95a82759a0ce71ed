package langhost

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Host is a language runtime that learns the engine's address (from argv or Handshake).
type Host interface {
	pulumirpc.LanguageRuntimeServer
	SetEngineAddress(address string)
	SetStopping(stopping <-chan struct{})
}

// Main parses the flags the engine passes, runs `prepare` (if any: a host's own start-up
// checks, after its own flags are parsed), serves `host` on a free port and prints the port as
// its first stdout line (the engine reads it there), until the engine goes away.
func Main(host Host, prepare func() error) {
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	_ = flag.String("tracing", "", "accepted for compatibility; tracing is not emitted")
	// The engine also passes the project's runtime options as `-name=value`; they reach us
	// again in each request's ProgramInfo, so unknown ones are dropped here.
	_ = flag.CommandLine.Parse(KnownFlags(os.Args[1:]))
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	if prepare != nil {
		if err := prepare(); err != nil {
			cmdutil.Exit(err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() { <-ctx.Done(); close(cancel) }()
	host.SetStopping(ctx.Done())

	go exitWhenOrphaned(os.Getppid(), 500*time.Millisecond)
	if args := flag.Args(); len(args) > 0 {
		host.SetEngineAddress(args[0])
		if err := rpcutil.Healthcheck(ctx, args[0], 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("cannot watch the engine: %w", err))
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("cannot serve the language runtime: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language runtime stopped: %w", err))
	}
}

// KnownFlags keeps the arguments the program defines and the positional ones.
func KnownFlags(args []string) []string {
	var kept []string
	for _, arg := range args {
		name := strings.TrimLeft(strings.SplitN(arg, "=", 2)[0], "-")
		if !strings.HasPrefix(arg, "-") || flag.Lookup(name) != nil {
			kept = append(kept, arg)
		}
	}
	return kept
}

// ConfigEnv is the stack config as the SDKs read it: PULUMI_CONFIG (JSON object) and
// PULUMI_CONFIG_SECRET_KEYS (JSON array).
func ConfigEnv(config map[string]string, secretKeys []string) ([]string, error) {
	if config == nil {
		config = map[string]string{}
	}
	if secretKeys == nil {
		secretKeys = []string{}
	}
	configJSON, err := jsonString(config)
	if err != nil {
		return nil, fmt.Errorf("cannot serialize the stack config: %w", err)
	}
	keysJSON, err := jsonString(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("cannot serialize the secret config keys: %w", err)
	}
	return []string{"PULUMI_CONFIG=" + configJSON, "PULUMI_CONFIG_SECRET_KEYS=" + keysJSON}, nil
}

// RunExit turns a finished program into the engine's answer: `bailCode` means the program has
// already shown its error (the engine then prints nothing more).
func RunExit(err error, bailCode int, what string) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	exited, ok := err.(*exec.ExitError)
	if !ok {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the %s program: %v", what, err)}
	}
	if exited.ExitCode() == bailCode {
		return &pulumirpc.RunResponse{Bail: true}
	}
	return &pulumirpc.RunResponse{
		Error: fmt.Sprintf("program exited with non-zero exit code: %d", exited.ExitCode()),
	}
}

// exitWhenOrphaned ends this host once the engine that started it is gone (its parent changes:
// the engine was killed, e.g. SIGKILL of the CLI, and could not stop us). The engine's health
// check runs every 5 minutes, far too late for a pipeline; the plugins a host starts watch their
// own parent (the host) the same way, so the whole tree goes.
func exitWhenOrphaned(parent int, every time.Duration) {
	for range time.Tick(every) {
		if os.Getppid() != parent {
			os.Exit(1)
		}
	}
}

// Base is the part of LanguageRuntime every one of our hosts answers alike: the engine's
// address, the plugin's version, and "no plugins or packages required" (plugins load from the
// plugin cache or a project's `packages:`/`plugins:` entries; nothing is downloaded).
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	EngineAddress string
	Stopping      <-chan struct{} // closed when the host is told to stop (SIGINT)
}

func (b *Base) SetEngineAddress(address string) { b.EngineAddress = address }

func (b *Base) SetStopping(stopping <-chan struct{}) { b.Stopping = stopping }

func (b *Base) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	b.EngineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (b *Base) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (b *Base) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (b *Base) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
