package bench

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"text/tabwriter"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	_ "github.com/sluice-stream/sluice/connectors/blackhole"
	_ "github.com/sluice-stream/sluice/connectors/format/all"
	_ "github.com/sluice-stream/sluice/connectors/kafka"
	"github.com/sluice-stream/sluice/table"
)

// KafkaConfig sizes the Kafka source benchmark.
type KafkaConfig struct {
	Bootstrap   string
	Records     int
	Partitions  int
	Repeat      int   // runs of each case and of the baseline; the fastest counts
	Parallelism []int // source parallelisms to measure
}

// DefaultKafkaConfig is what `sluice bench kafka` runs.
func DefaultKafkaConfig() KafkaConfig {
	return KafkaConfig{Bootstrap: "127.0.0.1:9092", Records: 2_000_000, Partitions: 4, Repeat: 3, Parallelism: []int{1, 2}}
}

// KafkaCase is one measured source parallelism.
type KafkaCase struct {
	Parallelism   int     `json:"parallelism"`
	RecordsPerSec float64 `json:"records_per_sec"`
	// Ratio is RecordsPerSec over the baseline's.
	Ratio float64 `json:"ratio_to_librdkafka"`
}

// KafkaReport holds the figures of one run.
type KafkaReport struct {
	Records    int     `json:"records"`
	Bytes      int64   `json:"bytes"`
	Partitions int     `json:"partitions"`
	Baseline   float64 `json:"librdkafka_records_per_sec"`
	Cases      []KafkaCase
}

// WriteTable prints the report.
func (r *KafkaReport) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "Kafka source, CDN access log CSV (%d records, %.1f MB, %d partitions)\n", r.Records, float64(r.Bytes)/1e6, r.Partitions)
	fmt.Fprintf(tw, "case\trecords/s\tratio to librdkafka consumer\n")
	fmt.Fprintf(tw, "librdkafka consumer (poll loop, no decoding)\t%.0f\t1.00\n", r.Baseline)
	for _, c := range r.Cases {
		fmt.Fprintf(tw, "sluice kafka source → csv → Arrow, parallelism %d\t%.0f\t%.2f\n", c.Parallelism, c.RecordsPerSec, c.Ratio)
	}
	return tw.Flush()
}

// RunKafka writes cfg.Records CDN log lines to a new topic, then reads the
// topic to its end with a bare librdkafka consumer (the baseline) and with
// the Sluice kafka source decoding CSV into Arrow batches (the job
// `INSERT INTO blackhole SELECT * FROM logs`), alternating, and keeps the
// fastest of cfg.Repeat runs of each. The topic is deleted afterwards.
func RunKafka(ctx context.Context, cfg KafkaConfig, progress io.Writer) (*KafkaReport, error) {
	logf := func(format string, args ...any) {
		if progress != nil {
			fmt.Fprintf(progress, format+"\n", args...)
		}
	}
	adm, err := ckafka.NewAdminClient(&ckafka.ConfigMap{"bootstrap.servers": cfg.Bootstrap})
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	var tag [4]byte
	_, _ = crand.Read(tag[:])
	topic := "sluice_bench_" + hex.EncodeToString(tag[:])
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	res, err := adm.CreateTopics(tctx, []ckafka.TopicSpecification{{Topic: topic, NumPartitions: cfg.Partitions, ReplicationFactor: 1}})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("creating topic on %s: %w", cfg.Bootstrap, err)
	}
	if res[0].Error.Code() != ckafka.ErrNoError {
		return nil, fmt.Errorf("creating topic: %v", res[0].Error)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(dctx, []string{topic})
	}()

	logf("producing %d records to %s...", cfg.Records, topic)
	size, err := produceLogs(cfg, topic)
	if err != nil {
		return nil, err
	}
	rep := &KafkaReport{Records: cfg.Records, Bytes: size, Partitions: cfg.Partitions}
	best := make([]time.Duration, len(cfg.Parallelism))
	var baseline time.Duration
	for r := 0; r < cfg.Repeat; r++ {
		d, n, err := rawConsume(cfg.Bootstrap, topic)
		if err != nil {
			return nil, err
		}
		if n != cfg.Records {
			return nil, fmt.Errorf("baseline read %d records, want %d", n, cfg.Records)
		}
		if baseline == 0 || d < baseline {
			baseline = d
		}
		logf("run %d: librdkafka consumer %.0f records/s", r+1, float64(n)/d.Seconds())
		for i, par := range cfg.Parallelism {
			d, err := sluiceConsume(ctx, cfg, topic, par)
			if err != nil {
				return nil, err
			}
			if best[i] == 0 || d < best[i] {
				best[i] = d
			}
			logf("run %d: sluice source, parallelism %d: %.0f records/s", r+1, par, float64(cfg.Records)/d.Seconds())
		}
	}
	rep.Baseline = float64(cfg.Records) / baseline.Seconds()
	for i, par := range cfg.Parallelism {
		rps := float64(cfg.Records) / best[i].Seconds()
		rep.Cases = append(rep.Cases, KafkaCase{Parallelism: par, RecordsPerSec: rps, Ratio: rps / rep.Baseline})
	}
	return rep, nil
}

// produceLogs writes the records round-robin over the partitions.
func produceLogs(cfg KafkaConfig, topic string) (int64, error) {
	p, err := ckafka.NewProducer(&ckafka.ConfigMap{
		"bootstrap.servers": cfg.Bootstrap, "linger.ms": 20, "batch.size": 1 << 20,
		"go.delivery.report.fields": "none", "compression.type": "none",
	})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	failed := make(chan error, 1)
	go func() {
		for ev := range p.Events() {
			if m, ok := ev.(*ckafka.Message); ok && m.TopicPartition.Error != nil {
				select {
				case failed <- m.TopicPartition.Error:
				default:
				}
			}
		}
	}()
	r := rand.New(rand.NewPCG(7, 11))
	var size int64
	var buf []byte
	for i := 0; i < cfg.Records; i++ {
		buf = appendLogLine(buf[:0], r)
		size += int64(len(buf))
		m := &ckafka.Message{TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: int32(i % cfg.Partitions)}, Value: buf}
		for {
			err := p.Produce(m, nil)
			if err == nil {
				break
			}
			if ke, ok := err.(ckafka.Error); !ok || ke.Code() != ckafka.ErrQueueFull {
				return 0, err
			}
			p.Flush(50)
		}
	}
	for p.Flush(1000) > 0 {
	}
	select {
	case err := <-failed:
		return 0, fmt.Errorf("producing: %w", err)
	default:
	}
	return size, nil
}

// appendLogLine appends one CDN access log line as the seed's job reads
// it: uuid, client_ip, request_time, response_size, uri.
func appendLogLine(b []byte, r *rand.Rand) []byte {
	var id [16]byte
	for i := range id {
		id[i] = byte(r.UintN(256))
	}
	h := hex.EncodeToString(id[:])
	b = append(b, h[:8]...)
	b = append(b, '-')
	b = append(b, h[8:12]...)
	b = append(b, '-')
	b = append(b, h[12:16]...)
	b = append(b, '-')
	b = append(b, h[16:20]...)
	b = append(b, '-')
	b = append(b, h[20:]...)
	b = append(b, ',')
	for i := 0; i < 4; i++ {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, int64(1+r.IntN(254)), 10)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(1+r.IntN(5000)), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.IntN(10_000_000)), 10)
	b = append(b, ",/static/"...)
	b = strconv.AppendInt(b, int64(r.IntN(1000)), 10)
	return append(b, ".js"...)
}

// rawConsume reads the whole topic with one consumer and no decoding:
// what librdkafka (through its Go binding) delivers at most.
func rawConsume(bs, topic string) (time.Duration, int, error) {
	start := time.Now()
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{
		"bootstrap.servers": bs, "group.id": "sluice-bench-raw", "enable.auto.commit": false,
		"enable.partition.eof": true,
	})
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 30000)
	if err != nil {
		return 0, 0, err
	}
	var tps []ckafka.TopicPartition
	for _, p := range md.Topics[topic].Partitions {
		tps = append(tps, ckafka.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ckafka.OffsetBeginning})
	}
	if err := c.Assign(tps); err != nil {
		return 0, 0, err
	}
	n, eof := 0, 0
	var bytes int
	for eof < len(tps) {
		switch e := c.Poll(100).(type) {
		case *ckafka.Message:
			n++
			bytes += len(e.Value)
		case ckafka.PartitionEOF:
			eof++
		case ckafka.Error:
			if e.IsFatal() {
				return 0, 0, e
			}
		}
	}
	_ = bytes
	return time.Since(start), n, nil
}

// sluiceConsume runs the bounded job reading the topic into blackhole.
func sluiceConsume(ctx context.Context, cfg KafkaConfig, topic string, par int) (time.Duration, error) {
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": strconv.Itoa(par)}})
	_, err := env.ExecuteSQL(ctx, fmt.Sprintf(`CREATE TABLE logs (uuid VARCHAR, client_ip VARCHAR, request_time BIGINT, response_size BIGINT, uri VARCHAR) WITH (
		'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
		'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'csv')`, topic, cfg.Bootstrap))
	if err != nil {
		return 0, err
	}
	if _, err := env.ExecuteSQL(ctx, `CREATE TABLE sink (uuid VARCHAR, client_ip VARCHAR, request_time BIGINT, response_size BIGINT, uri VARCHAR) WITH ('connector' = 'blackhole')`); err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := env.ExecuteSQL(ctx, "INSERT INTO sink SELECT * FROM logs")
	if err != nil {
		return 0, err
	}
	d := time.Since(start)
	var n int64
	for _, m := range res.Job.Metrics {
		if m.Kind == "source" {
			n += m.RecordsOut
		}
	}
	if n != int64(cfg.Records) {
		return 0, fmt.Errorf("sluice source read %d records, want %d", n, cfg.Records)
	}
	return d, nil
}
