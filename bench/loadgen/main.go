// Command loadgen pushes pre-serialized requests at a gRPC method, one
// goroutine per simulated machine, each waiting for its call's answer before
// sending the next (as a machine's log pusher does). It stands in for the
// machines in the benchmarks: cheap enough per call that the server, not the
// load generator, is what the figures measure.
//
// Input (stdin): for each machine, its bearer token and its requests, as
//
//	u32(len(token)) token u32(count) { u32(len(request)) request }...
//
// with u32 a little-endian uint32.
//
// Output (stdout): one line, "<calls> <seconds>" for the timed run, after one
// untimed warm-up pass of machine 0's requests.
//
// With -mode tail it holds tails open and paces Log calls instead (tail.go).
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"
)

// rawCodec sends and receives message bytes as they are: the requests come serialized.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append((*(v.(*[]byte)))[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

var _ encoding.Codec = rawCodec{}

type machine struct {
	token    string
	requests [][]byte
}

func readU32(r *bufio.Reader) (uint32, error) {
	var n uint32
	err := binary.Read(r, binary.LittleEndian, &n)
	return n, err
}

func readChunk(r *bufio.Reader) ([]byte, error) {
	n, err := readU32(r)
	if err != nil {
		return nil, err
	}
	chunk := make([]byte, n)
	_, err = io.ReadFull(r, chunk)
	return chunk, err
}

func readChunks(r *bufio.Reader) ([][]byte, error) {
	count, err := readU32(r)
	if err != nil {
		return nil, err
	}
	chunks := make([][]byte, count)
	for i := range chunks {
		if chunks[i], err = readChunk(r); err != nil {
			return nil, err
		}
	}
	return chunks, nil
}

// readMachine reads one machine's token and requests; io.EOF if the input ended before it.
func readMachine(r *bufio.Reader) (machine, error) {
	token, err := readChunk(r)
	if err != nil {
		return machine{}, err
	}
	requests, err := readChunks(r)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // a token without its requests
	}
	if err != nil {
		return machine{}, err
	}
	return machine{token: string(token), requests: requests}, nil
}

func readMachines(r *bufio.Reader) ([]machine, error) {
	var machines []machine
	for {
		m, err := readMachine(r)
		if err == io.EOF {
			return machines, nil
		}
		if err != nil {
			return nil, err
		}
		machines = append(machines, m)
	}
}

func push(ctx context.Context, conn *grpc.ClientConn, method string, m machine) error {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+m.token)
	var reply []byte
	for _, request := range m.requests {
		request := request
		if err := conn.Invoke(ctx, method, &request, &reply, grpc.ForceCodec(rawCodec{})); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	address := flag.String("address", "", "server host:port")
	method := flag.String("method", "/viam.app.v1.RobotService/Log", "full method name")
	connections := flag.Int("connections", 1, "client connections, shared round-robin by the machines (and tails)")
	mode := flag.String("mode", "push", "push: time the machines' calls; tail: hold tails open under paced Log calls")
	callsPerSecond := flag.Float64("calls-per-second", 1, "tail mode: Log calls per second per machine")
	warmup := flag.Duration("warmup", 2*time.Second, "tail mode: pushing time before the counters restart")
	flag.Parse()
	conns := make([]*grpc.ClientConn, *connections)
	for i := range conns {
		var err error
		conns[i], err = grpc.NewClient(*address, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
		defer conns[i].Close()
	}
	if *mode == "tail" {
		tailMain(conns, *callsPerSecond, *warmup)
		return
	}
	machines, err := readMachines(bufio.NewReader(os.Stdin))
	if err != nil || len(machines) == 0 {
		fmt.Fprintln(os.Stderr, "loadgen: reading machines:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	if err := push(ctx, conns[0], *method, machines[0]); err != nil { // warm-up
		fmt.Fprintln(os.Stderr, "loadgen: warm-up:", err)
		os.Exit(1)
	}
	started := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(machines))
	calls := 0
	for i, m := range machines {
		calls += len(m.requests)
		wg.Add(1)
		go func(conn *grpc.ClientConn, m machine) {
			defer wg.Done()
			if err := push(ctx, conn, *method, m); err != nil {
				errs <- err
			}
		}(conns[i%len(conns)], m)
	}
	wg.Wait()
	elapsed := time.Since(started).Seconds()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d %.6f\n", calls, elapsed)
}
