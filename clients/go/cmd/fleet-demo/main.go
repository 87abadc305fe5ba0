// Command fleet-demo drives a fleet server from Go with code generated from
// proto/ (see ../../generate.sh). It authenticates with an API key, creates a
// location and a machine, authenticates as the machine's main part with its
// secret, pushes three log entries through RobotService.Log while tailing them
// with AppService.TailRobotPartLogs, reads them back with GetRobotPartLogs and
// prints a JSON summary on stdout. Any failure exits non-zero with the failing
// step on stderr.
//
//	go run ./cmd/fleet-demo --addr 127.0.0.1:8080 --key-id ID --key KEY --org-id ORG
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	rpcv1 "fleetserver/clients/go/gen/proto/rpc/v1"
	appv1 "fleetserver/clients/go/gen/viam/app/v1"
	commonv1 "fleetserver/clients/go/gen/viam/common/v1"
)

const numLogs = 3

// LogSummary is one log entry as the demo saw it come back from the server.
type LogSummary struct {
	Message    string          `json:"message"`
	Level      string          `json:"level"`
	LoggerName string          `json:"logger_name"`
	Host       string          `json:"host"`
	Time       string          `json:"time"`
	Caller     json.RawMessage `json:"caller"`
	Fields     json.RawMessage `json:"fields"`
}

// Summary is printed as JSON on stdout when every step succeeded.
type Summary struct {
	Client            string       `json:"client"`
	OrganizationID    string       `json:"organization_id"`
	OrganizationNames []string     `json:"organization_names"`
	LocationID        string       `json:"location_id"`
	LocationName      string       `json:"location_name"`
	RobotID           string       `json:"robot_id"`
	RobotName         string       `json:"robot_name"`
	PartID            string       `json:"part_id"`
	PartName          string       `json:"part_name"`
	PartFQDN          string       `json:"part_fqdn"`
	PartSecretLength  int          `json:"part_secret_length"`
	MachineTokenOK    bool         `json:"machine_token_ok"`
	Pushed            []string     `json:"pushed"`
	ReadBack          []LogSummary `json:"read_back"`
	Tailed            []LogSummary `json:"tailed"`
	TailBatches       int          `json:"tail_batches"`
	ElapsedMS         int64        `json:"elapsed_ms"`
}

type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }

func step(name string, err error) error {
	if err == nil {
		return nil
	}
	return &stepError{step: name, err: err}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address (plaintext gRPC)")
	keyID := flag.String("key-id", "", "API key id")
	key := flag.String("key", "", "API key")
	orgID := flag.String("org-id", "", "organization id to create the location in")
	timeout := flag.Duration("timeout", 60*time.Second, "overall deadline")
	flag.Parse()
	if *keyID == "" || *key == "" || *orgID == "" {
		fmt.Fprintln(os.Stderr, "fleet-demo: --key-id, --key and --org-id are required")
		os.Exit(2)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	summary, err := run(ctx, *addr, *keyID, *key, *orgID)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fleet-demo: FAILED at %v\n", err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		fmt.Fprintf(os.Stderr, "fleet-demo: encoding summary: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

func withToken(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func nonce() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func summarize(entries []*commonv1.LogEntry) ([]LogSummary, error) {
	out := make([]LogSummary, 0, len(entries))
	for _, e := range entries {
		s := LogSummary{
			Message:    e.GetMessage(),
			Level:      e.GetLevel(),
			LoggerName: e.GetLoggerName(),
			Host:       e.GetHost(),
			Caller:     json.RawMessage("null"),
			Fields:     json.RawMessage("[]"),
		}
		if e.GetTime() != nil {
			s.Time = e.GetTime().AsTime().UTC().Format(time.RFC3339Nano)
		}
		if e.GetCaller() != nil {
			b, err := protojson.Marshal(e.GetCaller())
			if err != nil {
				return nil, err
			}
			s.Caller = b
		}
		fields := make([]json.RawMessage, 0, len(e.GetFields()))
		for _, f := range e.GetFields() {
			b, err := protojson.Marshal(f)
			if err != nil {
				return nil, err
			}
			fields = append(fields, b)
		}
		b, err := json.Marshal(fields)
		if err != nil {
			return nil, err
		}
		s.Fields = b
		out = append(out, s)
	}
	return out, nil
}

func run(ctx context.Context, addr, keyID, key, orgID string) (*Summary, error) {
	started := time.Now()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, step("dial", err)
	}
	defer conn.Close()
	auth := rpcv1.NewAuthServiceClient(conn)
	app := appv1.NewAppServiceClient(conn)
	robot := appv1.NewRobotServiceClient(conn)
	s := &Summary{Client: "go", OrganizationID: orgID}

	// 1. API key -> bearer token.
	authResp, err := auth.Authenticate(ctx, &rpcv1.AuthenticateRequest{
		Entity:      keyID,
		Credentials: &rpcv1.Credentials{Type: "api-key", Payload: key},
	})
	if err != nil {
		return nil, step("Authenticate(api-key)", err)
	}
	if authResp.GetAccessToken() == "" {
		return nil, step("Authenticate(api-key)", errors.New("empty access_token"))
	}
	userCtx := withToken(ctx, authResp.GetAccessToken())

	orgs, err := app.ListOrganizations(userCtx, &appv1.ListOrganizationsRequest{})
	if err != nil {
		return nil, step("ListOrganizations", err)
	}
	for _, o := range orgs.GetOrganizations() {
		s.OrganizationNames = append(s.OrganizationNames, o.GetName())
	}

	// 2. A location and a machine in it.
	tag := nonce()
	loc, err := app.CreateLocation(userCtx, &appv1.CreateLocationRequest{OrganizationId: orgID, Name: "go-demo-" + tag})
	if err != nil {
		return nil, step("CreateLocation", err)
	}
	s.LocationID, s.LocationName = loc.GetLocation().GetId(), loc.GetLocation().GetName()

	s.RobotName = "go-rover-" + tag
	newRobot, err := app.NewRobot(userCtx, &appv1.NewRobotRequest{Name: s.RobotName, Location: s.LocationID})
	if err != nil {
		return nil, step("NewRobot", err)
	}
	s.RobotID = newRobot.GetId()

	// 3. Its main part and the part secret.
	parts, err := app.GetRobotParts(userCtx, &appv1.GetRobotPartsRequest{RobotId: s.RobotID})
	if err != nil {
		return nil, step("GetRobotParts", err)
	}
	var main *appv1.RobotPart
	for _, p := range parts.GetParts() {
		if p.GetMainPart() {
			main = p
		}
	}
	if main == nil {
		return nil, step("GetRobotParts", fmt.Errorf("no main part among %d parts", len(parts.GetParts())))
	}
	if main.GetSecret() == "" {
		return nil, step("GetRobotParts", errors.New("main part has no secret"))
	}
	s.PartID, s.PartName, s.PartFQDN, s.PartSecretLength = main.GetId(), main.GetName(), main.GetFqdn(), len(main.GetSecret())

	// 4. Authenticate as the machine (its main part) with the part secret.
	machineAuth, err := auth.Authenticate(ctx, &rpcv1.AuthenticateRequest{
		Entity:      s.PartID,
		Credentials: &rpcv1.Credentials{Type: "robot-secret", Payload: main.GetSecret()},
	})
	if err != nil {
		return nil, step("Authenticate(robot-secret)", err)
	}
	if machineAuth.GetAccessToken() == "" {
		return nil, step("Authenticate(robot-secret)", errors.New("empty access_token"))
	}
	s.MachineTokenOK = true
	machineCtx := withToken(ctx, machineAuth.GetAccessToken())

	// 5. Tail the part's logs as the API key caller.
	tailCtx, stopTail := context.WithCancel(userCtx)
	defer stopTail()
	tail, err := app.TailRobotPartLogs(tailCtx, &appv1.TailRobotPartLogsRequest{Id: s.PartID, ErrorsOnly: false})
	if err != nil {
		return nil, step("TailRobotPartLogs", err)
	}
	// The tail only delivers entries ingested after it is registered; the server
	// sends the response headers once it is.
	if _, err := tail.Header(); err != nil {
		return nil, step("TailRobotPartLogs", err)
	}
	var (
		mu      sync.Mutex
		tailed  []*commonv1.LogEntry
		batches int
	)
	got := make(chan struct{}, 1)
	tailDone := make(chan error, 1)
	go func() {
		for {
			resp, err := tail.Recv()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = errors.New("stream ended by the server")
				}
				tailDone <- err
				return
			}
			mu.Lock()
			batches++
			tailed = append(tailed, resp.GetLogs()...)
			mu.Unlock()
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}()

	// 6. Push three entries as the machine.
	base := time.Now().UTC().Truncate(time.Millisecond)
	levels := []string{"info", "warn", "error"}
	entries := make([]*commonv1.LogEntry, 0, numLogs)
	for i := 0; i < numLogs; i++ {
		msg := fmt.Sprintf("go demo %s entry %d", tag, i+1)
		caller, err := structpb.NewStruct(map[string]any{"Defined": true, "File": "fleet-demo/main.go", "Line": float64(100 + i)})
		if err != nil {
			return nil, step("build log entry", err)
		}
		field, err := structpb.NewStruct(map[string]any{"key": "index", "value": float64(i + 1)})
		if err != nil {
			return nil, step("build log entry", err)
		}
		entries = append(entries, &commonv1.LogEntry{
			Host:       "go-demo-host",
			Level:      levels[i%len(levels)],
			Time:       timestamppb.New(base.Add(time.Duration(i) * time.Millisecond)),
			LoggerName: "fleet-demo.go",
			Message:    msg,
			Caller:     caller,
			Fields:     []*structpb.Struct{field},
		})
		s.Pushed = append(s.Pushed, msg)
	}
	if _, err := robot.Log(machineCtx, &appv1.LogRequest{Id: s.PartID, Logs: entries}); err != nil {
		return nil, step("RobotService.Log", err)
	}

	// 7. Read them back (newest first).
	page, err := app.GetRobotPartLogs(userCtx, &appv1.GetRobotPartLogsRequest{Id: s.PartID})
	if err != nil {
		return nil, step("GetRobotPartLogs", err)
	}
	if s.ReadBack, err = summarize(page.GetLogs()); err != nil {
		return nil, step("GetRobotPartLogs", err)
	}

	// 8. Wait until the tail has delivered all of them.
	tailWait := time.After(15 * time.Second)
	for {
		mu.Lock()
		n := len(tailed)
		mu.Unlock()
		if n >= numLogs {
			break
		}
		select {
		case <-got:
		case err := <-tailDone:
			return nil, step("TailRobotPartLogs", fmt.Errorf("after %d of %d entries: %w", n, numLogs, err))
		case <-tailWait:
			return nil, step("TailRobotPartLogs", fmt.Errorf("received %d of %d entries within 15s", n, numLogs))
		case <-ctx.Done():
			return nil, step("TailRobotPartLogs", fmt.Errorf("received %d of %d entries: %w", n, numLogs, ctx.Err()))
		}
	}
	stopTail()
	mu.Lock()
	s.TailBatches = batches
	s.Tailed, err = summarize(tailed)
	mu.Unlock()
	if err != nil {
		return nil, step("TailRobotPartLogs", err)
	}
	s.ElapsedMS = time.Since(started).Milliseconds()
	return s, nil
}
