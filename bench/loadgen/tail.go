package main

// Tail mode (-mode tail): holds many TailRobotPartLogs streams open and pushes
// paced Log calls into the tailed parts, so a benchmark can measure the server
// under that load without a Python client eating the CPU the server needs.
//
// Input (stdin), u32 little-endian as in push mode:
//
//	u32(len(owner token)) owner-token
//	u32(tails) { u32(len(request)) TailRobotPartLogsRequest }...
//	u32(machines) { u32(len(token)) token u32(count) { u32(len(request)) LogRequest }... }...
//
// Each machine sends its requests round-robin, -calls-per-second of them per
// second (phases spread over the first interval; 0: no Log calls at all). Once every tail has its
// response headers (it is subscribed) and the pushers have run for -warmup,
// the counters restart and "ready" is printed. Closing stdin stops the run;
// the last line printed is "<responses> <bytes> <seconds> <failed tails>".

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const tailMethod = "/viam.app.v1.AppService/TailRobotPartLogs"

type tailCounts struct {
	responses, bytes, failed atomic.Int64
	firstFailure             atomic.Value // string
}

func readTailInput(r *bufio.Reader) (string, [][]byte, []machine, error) {
	owner, err := readChunk(r)
	if err != nil {
		return "", nil, nil, err
	}
	tails, err := readChunks(r)
	if err != nil {
		return "", nil, nil, err
	}
	count, err := readU32(r)
	if err != nil {
		return "", nil, nil, err
	}
	machines := make([]machine, count)
	for i := range machines {
		if machines[i], err = readMachine(r); err != nil {
			return "", nil, nil, err
		}
	}
	return string(owner), tails, machines, nil
}

// tail opens one stream; subscribed is signalled once its headers arrive.
func tail(ctx context.Context, conn *grpc.ClientConn, owner string, request []byte, counts *tailCounts, subscribed *sync.WaitGroup) {
	once := sync.OnceFunc(subscribed.Done)
	defer once()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+owner)
	fail := func(err error) {
		if ctx.Err() != nil || status.Code(err) == codes.Canceled {
			return
		}
		counts.failed.Add(1)
		counts.firstFailure.CompareAndSwap(nil, err.Error())
	}
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, tailMethod, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		fail(err)
		return
	}
	if err := stream.SendMsg(&request); err != nil {
		fail(err)
		return
	}
	if err := stream.CloseSend(); err != nil {
		fail(err)
		return
	}
	if _, err := stream.Header(); err != nil {
		fail(err)
		return
	}
	once()
	var response []byte
	for {
		if err := stream.RecvMsg(&response); err != nil {
			if !errors.Is(err, io.EOF) {
				fail(err)
			}
			return
		}
		counts.responses.Add(1)
		counts.bytes.Add(int64(len(response)))
	}
}

// pushPaced sends m's requests round-robin at callsPerSecond until ctx ends.
func pushPaced(ctx context.Context, conn *grpc.ClientConn, m machine, callsPerSecond float64, phase float64) {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+m.token)
	interval := time.Duration(float64(time.Second) / callsPerSecond)
	next := time.Now().Add(time.Duration(phase * float64(interval)))
	var reply []byte
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		request := m.requests[i%len(m.requests)]
		if err := conn.Invoke(ctx, "/viam.app.v1.RobotService/Log", &request, &reply, grpc.ForceCodec(rawCodec{})); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "loadgen: Log:", err)
		}
		next = next.Add(interval)
	}
}

func tailMain(conns []*grpc.ClientConn, callsPerSecond float64, warmup time.Duration) {
	stdin := bufio.NewReader(os.Stdin)
	owner, tails, machines, err := readTailInput(stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: reading tail input:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	counts := &tailCounts{}
	var subscribed, running sync.WaitGroup
	for i, request := range tails {
		subscribed.Add(1)
		running.Add(1)
		go func(conn *grpc.ClientConn, request []byte) {
			defer running.Done()
			tail(ctx, conn, owner, request, counts, &subscribed)
		}(conns[i%len(conns)], request)
	}
	subscribed.Wait()
	rng := rand.New(rand.NewSource(5))
	for i, m := range machines {
		if callsPerSecond <= 0 {
			break // tails only, no ingest
		}
		running.Add(1)
		go func(conn *grpc.ClientConn, m machine, phase float64) {
			defer running.Done()
			pushPaced(ctx, conn, m, callsPerSecond, phase)
		}(conns[i%len(conns)], m, rng.Float64())
	}
	time.Sleep(warmup)
	counts.responses.Store(0)
	counts.bytes.Store(0)
	started := time.Now()
	fmt.Println("ready")
	io.Copy(io.Discard, stdin) // until the benchmark closes stdin
	elapsed := time.Since(started).Seconds()
	responses, bytes := counts.responses.Load(), counts.bytes.Load()
	cancel()
	running.Wait()
	if first := counts.firstFailure.Load(); first != nil {
		fmt.Fprintln(os.Stderr, "loadgen: first failed tail:", first)
	}
	fmt.Printf("%d %d %.6f %d\n", responses, bytes, elapsed, counts.failed.Load())
}
