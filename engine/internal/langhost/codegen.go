// Package langhost holds what our language hosts (engine/cmd/pulumi-language-*) share: code
// generation through pkg/v3's codegen packages, the loading of linked packages, and serving.
//
// Why here: each host only picks its language's generators; binding PCL, binding a schema and
// writing files are the same steps for every language, as in Pulumi's own hosts.
package langhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	"github.com/hashicorp/hcl/v2"
	hclsyntax "github.com/pulumi/pulumi/pkg/v3/codegen/hcl2/syntax"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Codegen is one language's generators.
type Codegen struct {
	// Program turns a bound PCL program into source files (what `pulumi import` prints).
	Program func(program *pcl.Program) (map[string][]byte, hcl.Diagnostics, error)
	// Package turns a bound schema into an SDK's files (`pulumi package add` and `gen-sdk`).
	Package func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest,
		loader schema.ReferenceLoader) (map[string][]byte, error)
}

// GenerateProgram binds the PCL the engine sends (for `pulumi import`: the imported resources)
// against the schemas its loader serves, and generates this language's code for it.
func (c Codegen) GenerateProgram(
	_ context.Context, req *pulumirpc.GenerateProgramRequest,
) (*pulumirpc.GenerateProgramResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	parser := hclsyntax.NewParser()
	for path, contents := range req.GetSource() {
		if err := parser.ParseFile(strings.NewReader(contents), path); err != nil {
			return nil, err
		}
		if parser.Diagnostics.HasErrors() {
			return nil, parser.Diagnostics
		}
	}
	options := []pcl.BindOption{pcl.PreferOutputVersionedInvokes}
	if !req.GetStrict() {
		options = append(options, pcl.NonStrictBindOptions()...)
	}
	program, diags, err := pcl.BindProgram(parser.Files, schema.NewCachedLoader(loader), options...)
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GenerateProgramResponse{Diagnostics: rpcDiags}, nil
	}
	if program == nil {
		return nil, errors.New("the PCL program bound to nothing")
	}
	files, diags, err := c.Program(program)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GenerateProgramResponse{
		Source:      files,
		Diagnostics: append(rpcDiags, plugin.HclDiagnosticsToRPCDiagnostics(diags)...),
	}, nil
}

// GeneratePackage binds the schema the engine sends and writes this language's SDK into
// req.Directory.
func (c Codegen) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("the package schema is not valid JSON: %w", err)
	}
	cached := schema.NewCachedLoader(loader)
	pkg, diags, err := schema.BindSpec(spec, cached, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
	}
	files, err := c.Package(pkg, req, cached)
	if err != nil {
		return nil, err
	}
	if err := WriteFiles(req.GetDirectory(), files); err != nil {
		return nil, err
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
}

// WriteFiles writes generated files (relative names) under dir.
func WriteFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	return nil
}

// Linked is one package of a LinkRequest: its bound schema (with this language's settings
// imported) and the SDK's path relative to the program.
type Linked struct {
	Pkg  *schema.Package
	Path string
}

// LinkedPackages loads the packages `pulumi package add` asks a host to link, skipping the
// `pulumi` SDK itself (our hosts link only generated SDKs).
func LinkedPackages(
	ctx context.Context, req *pulumirpc.LinkRequest, language string, importer schema.Language,
) ([]Linked, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)

	var linked []Linked
	for _, dep := range req.GetPackages() {
		if dep.GetPackage().GetName() == "pulumi" {
			continue
		}
		desc := &schema.PackageDescriptor{Name: dep.GetPackage().GetName(), DownloadURL: dep.GetPackage().GetServer()}
		if v, err := semver.ParseTolerant(dep.GetPackage().GetVersion()); err == nil {
			desc.Version = &v
		}
		if p := dep.GetPackage().GetParameterization(); p != nil {
			desc.Parameterization = &schema.ParameterizationDescriptor{Name: p.GetName(), Value: p.GetValue()}
			if v, err := semver.ParseTolerant(p.GetVersion()); err == nil {
				desc.Parameterization.Version = v
			}
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, cached, desc)
		if err != nil {
			return nil, fmt.Errorf("cannot load the schema of %s: %w", desc.Name, err)
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, err
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{language: importer}); err != nil {
			return nil, err
		}
		linked = append(linked, Linked{Pkg: pkg, Path: dep.GetPath()})
	}
	return linked, nil
}

func jsonString(v any) (string, error) {
	raw, err := json.Marshal(v)
	return string(raw), err
}
