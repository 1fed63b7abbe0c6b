<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BindingEditor</name>
    <message>
        <location filename="../../ui/property_editors.py" line="+345"/>
        <source>(none)</source>
        <extracomment>the text being typed will be refused, and why (&quot;&quot; once it is fine again)</extracomment>
        <translation>(无)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Choose the file to send</source>
        <translation>选择要发送的文件</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>%1:</source>
        <translation>%1：</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>File to send</source>
        <translation>要发送的文件</translation>
    </message>
</context>
<context>
    <name>BuiltinActions</name>
    <message>
        <location filename="declared_strings.py" line="+92"/>
        <source>Log only</source>
        <translation>仅记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Echo back</source>
        <translation>原样回送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reply with text</source>
        <translation>回复文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reply with hex</source>
        <translation>回复十六进制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hex bytes</source>
        <translation>十六进制字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send file</source>
        <translation>发送文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reply rules</source>
        <translation>回复规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close connection</source>
        <translation>关闭连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repeat a message</source>
        <translation>重复发送消息</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Message, interval ms, count (0 = until stopped)</source>
        <translation>消息，间隔毫秒数，次数 (0 = 直到停止)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Suppress error (ErrorCode := 0)</source>
        <translation>屏蔽错误 (ErrorCode := 0)</translation>
    </message>
    <message>
        <location filename="../../ui/property_editors.py" line="-340"/>
        <source>%1 (%2)</source>
        <extracomment>item data role carrying the row&apos;s PropertySpec or EventSpec item data role carrying an event row&apos;s HandlerBinding (or None) offered by the encoding editor; any name Python&apos;s codecs know is accepted</extracomment>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>CertificateDialog</name>
    <message>
        <location filename="../../ui/certificate_dialog.py" line="+47"/>
        <source>Generate Certificates</source>
        <translation>生成证书</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Makes a local certificate authority (CA) and a server certificate signed by it, as PEM files. Clients that trust the CA file accept the server; nothing is installed in the system.</source>
        <translation>生成一个本地证书颁发机构 (CA) 和由它签发的服务器证书，保存为 PEM 文件。信任该 CA 文件的客户端会接受这个服务器；不会向系统安装任何东西。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Save the form first, or choose a folder</source>
        <translation>请先保存窗体，或选择一个文件夹</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>e.g. myhost.lan, 192.168.1.20</source>
        <translation>例如 myhost.lan, 192.168.1.20</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Names and addresses the server certificate is also valid for, separated by commas or spaces; %1 are always included</source>
        <translation>服务器证书另外适用的主机名和地址，用逗号或空格分隔；%1 总是包含在内</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Also make a client certificate (for servers that verify their peers)</source>
        <translation>同时生成客户端证书 (用于验证对端的服务器)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replace files that exist</source>
        <translation>替换已有的文件</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>&amp;Folder:</source>
        <translation>文件夹(&amp;F)：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>File &amp;prefix:</source>
        <translation>文件名前缀(&amp;P)：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extra &amp;names:</source>
        <translation>附加名称(&amp;N)：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Writes %1 (keys readable by you alone)</source>
        <translation>将写入 %1 (私钥只有您本人可读)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Then %1 is set to use them, as one step you can undo.</source>
        <translation>然后 %1 将设置为使用它们，这是可以撤销的一步。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No socket component is selected: only the files are written.</source>
        <translation>没有选中 Socket 组件：只写入文件。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Folder for the certificates</source>
        <translation>证书所在的文件夹</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Choose a folder first</source>
        <translation>请先选择一个文件夹</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Use generated certificates in %1</source>
        <translation>在 %1 中使用生成的证书</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The files were written, but %1 was not changed: %2</source>
        <translation>文件已写入，但 %1 没有改变：%2</translation>
    </message>
</context>
<context>
    <name>Clipboard</name>
    <message>
        <location filename="../../ui/clipboard.py" line="+95"/>
        <source>Can&apos;t paste: %1</source>
        <extracomment>how a form file&apos;s text gives itself away, before it is parsed how far a paste lands from the copied components, down and right</extracomment>
        <translation>无法粘贴：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The clipboard holds no components to paste</source>
        <translation>剪贴板中没有可粘贴的组件</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
</context>
<context>
    <name>Commands</name>
    <message>
        <location filename="../../app/qt/commands.py" line="+68"/>
        <source>Delete %1</source>
        <translation>删除 %1</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Move</source>
        <translation>移动</translation>
    </message>
    <message>
        <location line="+26"/>
        <location line="+26"/>
        <source>Set %1.%2</source>
        <translation>设置 %1.%2</translation>
    </message>
    <message>
        <location line="-14"/>
        <source>Rename %1 to %2</source>
        <translation>将 %1 重命名为 %2</translation>
    </message>
</context>
<context>
    <name>ComponentPalette</name>
    <message>
        <location filename="../../ui/palette.py" line="+71"/>
        <source>%1 — %2</source>
        <extracomment>what a palette drag carries: the component&apos;s class name, UTF-8</extracomment>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>Select — select and move components on the form</source>
        <translation>选择 — 选择并移动窗体上的组件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select</source>
        <translation>选择</translation>
    </message>
</context>
<context>
    <name>ComponentTile</name>
    <message>
        <location filename="../../ui/component_tile.py" line="+161"/>
        <source>Saved with Active = True; not started (activate it from the bar over the form, or press F9)</source>
        <translation>保存时 Active = True；尚未启动 (在窗体上方的提示栏中激活，或按 F9)</translation>
    </message>
</context>
<context>
    <name>ConnectionsModel</name>
    <message>
        <location filename="../../ui/connections_panel.py" line="+88"/>
        <source>Peer</source>
        <translation>对端</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Since</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In</source>
        <translation>收到</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Out</source>
        <translation>发出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Thread</source>
        <translation>线程</translation>
    </message>
    <message>
        <location line="+110"/>
        <location line="+1"/>
        <source>(event loop)</source>
        <extracomment>how the last refresh told the view (for tests and the bench): &quot;&quot;, &quot;same&quot;, &quot;diff&quot;, &quot;reset&quot;</extracomment>
        <translation>(事件循环)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 bytes %2</source>
        <translation>%2 %1 字节</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>received</source>
        <translation>已接收</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Connected since %1</source>
        <translation>自 %1 起已连接</translation>
    </message>
</context>
<context>
    <name>ConnectionsPanel</name>
    <message>
        <location line="+11"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+94"/>
        <source>Line ending appended to text</source>
        <translation>附加在文本后的行结束符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close connection</source>
        <translation>关闭连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save as Scenario…</source>
        <translation>另存为场景…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write this connection&apos;s conversation, as the event log holds it, as a scenario file to run again</source>
        <translation>将此连接的会话 (按事件日志中保存的内容) 写成场景文件，以便再次运行</translation>
    </message>
    <message>
        <location line="+85"/>
        <source>Select a ClientSocket or ServerSocket on the form</source>
        <translation>请在窗体上选择一个 ClientSocket 或 ServerSocket</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%1 — %n connection(s), listening on %2</source>
        <translation>
            <numerusform>%1 — %n 个连接，正在 %2 上倾听</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 — not listening</source>
        <translation>%1 — 未在倾听</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>connected to %1</source>
        <translation>已连接到 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>default destination %1</source>
        <translation>默认目的地址 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no default destination</source>
        <translation>没有默认目的地址</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%1 — bound to %2, %n peer(s) seen, %3</source>
        <translation>
            <numerusform>%1 — 绑定到 %2，已见 %n 个对端，%3</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 — not bound</source>
        <translation>%1 — 未绑定</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>Text to send (\r \n \t \xNN escapes work)</source>
        <translation>要发送的文本 (可用 \r \n \t \xNN 转义)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hex bytes, e.g. 48 65 6C 6C 6F</source>
        <translation>十六进制字节，例如 48 65 6C 6C 6F</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Path of a file to send</source>
        <translation>要发送的文件的路径</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Send file</source>
        <translation>发送文件</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Type some hex bytes to send</source>
        <translation>请输入要发送的十六进制字节</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose a file to send</source>
        <translation>请选择要发送的文件</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Select a connection first</source>
        <translation>请先选择一个连接</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Can&apos;t open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Sending to %1…</source>
        <translation>正在发送到 %1…</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Not sent to %1: %2</source>
        <translation>未发送到 %1：%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sent to %1</source>
        <translation>已发送到 %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Closed %1</source>
        <translation>已关闭 %1</translation>
    </message>
</context>
<context>
    <name>EngineHost</name>
    <message>
        <location filename="../../app/qt/engine_host.py" line="+234"/>
        <source>trust the form with File &gt; Trust This Form</source>
        <extracomment>asks the user whether the form may open these files outside its folder (Send file paths) loads the form&apos;s unit for the engine, asking for trust first; None when it can&apos;t or may not run whether the user trusts this form&apos;s actions with files outside its folder the form&apos;s Python unit, once the user trusts it (app.core.unit); None runs built-ins only components whose open() waits on another thread (a blocking client&apos;s worker, the engine thread): they run, though not yet connecting the engine&apos;s own thread, while the thread mode has components to run while the engine thread runs, its records pass the GIL gate (app.core.gil_gate)</extracomment>
        <translation>请通过“文件 &gt; 信任此窗体”信任该窗体</translation>
    </message>
    <message>
        <location line="+123"/>
        <source>The engine thread did not stop in time</source>
        <translation>引擎线程未能及时停止</translation>
    </message>
</context>
<context>
    <name>EventLogModel</name>
    <message>
        <location filename="../../ui/event_log_model.py" line="+87"/>
        <source>Time</source>
        <extracomment>How many rows a log keeps unless told otherwise.</extracomment>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Component</source>
        <translation>组件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1 byte</source>
        <translation>1 字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 events dropped here: the log could not keep up</source>
        <translation>此处丢弃了 %1 个事件：日志跟不上</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1 event dropped here: the log could not keep up</source>
        <translation>此处丢弃了 1 个事件：日志跟不上</translation>
    </message>
    <message>
        <location line="+240"/>
        <source>Connection %1 with %2</source>
        <extracomment>A component name appeared for the first time (for filter combos). An event name appeared for the first time. Old rows the ring buffer discarded to stay within capacity (the pane&apos;s status shows it; an export starts with a Dropped record saying so). Records lost before they reached the model (set by the feeder).</extracomment>
        <translation>与 %2 的连接 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection %1</source>
        <translation>连接 %1</translation>
    </message>
</context>
<context>
    <name>EventLogPane</name>
    <message>
        <location filename="../../ui/event_log_view.py" line="+408"/>
        <source>Show or hide the %1 column</source>
        <extracomment>How often the feeder moves records into the models (30-50 ms keeps the log live and cheap). The most records one tick appends; the rest wait for the next tick. Typing in the text filter re-filters after this pause (the filter runs in slices, so typing on is never blocked; the pause only saves re-filtering on every keystroke). While rows keep coming, the pane follows the newest (scrolls, repaints, recounts) at most this often: a repaint costs 8-17 ms, so a flood repaints 10 times a second rather than on every feeder tick. The first batch after a quiet spell shows at once. How many records the last tick took from the buffer (emitted only when &gt; 0). the current row changed: the sequence number of its record in ``model`` (the Timeline follows it) the finished recording of this session, if any (the window sets it: Run &gt; Record) whether a component accepts connections (for the pcapng export&apos;s stream directions)</extracomment>
        <translation>显示或隐藏“%1”列</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the data as text (Data column)</source>
        <translation>以文本显示数据 (“数据”列)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the data as hexadecimal bytes (Hex column)</source>
        <translation>以十六进制字节显示数据 (“十六进制”列)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show one component&apos;s events</source>
        <translation>只显示一个组件的事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All components</source>
        <translation>全部组件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show one kind of event</source>
        <translation>只显示一种事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All events</source>
        <translation>全部事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Filter text…</source>
        <translation>筛选文本…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show rows containing this text (any shown column, any case)</source>
        <translation>显示包含此文本的行 (任一显示列，不区分大小写)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pause autoscroll</source>
        <translation>暂停自动滚动</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Stop following the newest events</source>
        <translation>不再跟随最新的事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Remove every event from the log</source>
        <translation>从日志中移除所有事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Save the shown events as CSV or JSON Lines</source>
        <translation>将显示的事件保存为 CSV 或 JSON Lines</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Event log: %1</source>
        <translation>事件日志：%1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event log</source>
        <translation>事件日志</translation>
    </message>
    <message>
        <location line="+98"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>JSON Lines files (*.jsonl)</source>
        <translation>JSON Lines 文件 (*.jsonl)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pcapng captures (*.pcapng)</source>
        <translation>pcapng 抓包文件 (*.pcapng)</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+42"/>
        <source>Export event log</source>
        <translation>导出事件日志</translation>
    </message>
    <message>
        <location line="-26"/>
        <location line="+23"/>
        <source>Could not write %1:
%2</source>
        <translation>无法写入 %1：
%2</translation>
    </message>
    <message>
        <location line="-22"/>
        <location line="+21"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location line="-19"/>
        <source>Exported %1 events to %2</source>
        <translation>已将 %1 个事件导出到 %2</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Exported the recording %1 to %2: every byte of every connection.</source>
        <translation>已把录制 %1 导出到 %2：每个连接的每个字节。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Exported %1 connections to %2. Nothing was recorded, so the payloads are the log&apos;s previews (at most 64 bytes of each read and send; %3 were cut); the file&apos;s comments say so. Record the session (Run &gt; Record) for every byte.</source>
        <translation>已把 %1 个连接导出到 %2。没有录制，因此数据是日志的预览（每次读取和发送最多 64 字节；有 %3 个被截断）；文件的注释中有说明。要得到每个字节，请录制会话（运行 &gt; 录制）。</translation>
    </message>
    <message>
        <location line="+220"/>
        <source>%1 events (%2 shown)</source>
        <translation>%1 个事件 (显示 %2 个)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>, %1 older discarded</source>
        <translation>，丢弃了 %1 个较早的</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>, %1 dropped</source>
        <translation>，丢失 %1 个</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · filtering… %1%</source>
        <translation> · 正在筛选… %1%</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The oldest %1 events were discarded to keep at most %2.</source>
        <translation>为了最多保留 %2 个事件，丢弃了最早的 %1 个。</translation>
    </message>
</context>
<context>
    <name>EventTableModel</name>
    <message>
        <location filename="../../ui/object_inspector.py" line="+300"/>
        <source>Event</source>
        <extracomment>an event was bound to Reply rules (uid, event): time to edit them</extracomment>
        <translation>事件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Handler</source>
        <translation>处理函数</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>A function of the form&apos;s unit; double-click the event to open it</source>
        <translation>窗体单元中的函数；双击事件即可打开</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Double-click the event to edit the rules</source>
        <translation>双击该事件以编辑规则</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>Examples</name>
    <message>
        <location filename="declared_strings.py" line="-26"/>
        <source>Blocking client</source>
        <translation>阻塞客户端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Chat server</source>
        <translation>聊天服务器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client connection</source>
        <translation>客户端连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Echo server</source>
        <translation>回显服务器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Error suppression</source>
        <translation>屏蔽错误</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Http client</source>
        <translation>HTTP 客户端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Line commands</source>
        <translation>行命令</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Modbus tcp</source>
        <translation>Modbus TCP</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Multicast chat</source>
        <translation>组播聊天</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send stream</source>
        <translation>发送流</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Serial device</source>
        <translation>串口设备</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Thread server</source>
        <translation>线程服务器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tls echo</source>
        <translation>TLS 回显</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Udp echo</source>
        <translation>UDP 回显</translation>
    </message>
</context>
<context>
    <name>FormDesigner</name>
    <message>
        <location filename="../../ui/component_tile.py" line="-91"/>
        <source>Inactive</source>
        <translation>未激活</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Looking up the host…</source>
        <translation>正在查找主机…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message numerus="yes">
        <location line="-6"/>
        <source>Listening — %n connection</source>
        <translation>
            <numerusform>正在倾听 — %n 个连接</numerusform>
        </translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
    <message>
        <location filename="../../ui/form_designer.py" line="+108"/>
        <location line="+19"/>
        <source>Form designer</source>
        <translation>窗体设计器</translation>
    </message>
    <message>
        <location line="+239"/>
        <source>&amp;Paste</source>
        <translation>粘贴(&amp;P)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;Activate</source>
        <translation>激活(&amp;A)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Deactivate</source>
        <translation>停用(&amp;D)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Rename</source>
        <translation>重命名(&amp;R)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>De&amp;lete</source>
        <translation>删除(&amp;L)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cu&amp;t</source>
        <translation>剪切(&amp;T)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
</context>
<context>
    <name>FormModel</name>
    <message>
        <location filename="../../app/qt/form_model.py" line="+169"/>
        <source>%1 is active: set %2 to False before deleting it</source>
        <extracomment>the designer&apos;s grid, in pixels; positions snap to it the file an untitled copy was made from (an example); its folder serves the copy&apos;s relative file paths until the copy is saved somewhere of its own</extracomment>
        <translation>%1 正在运行：删除前请先将 %2 设为 False</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Can&apos;t change %1 while %2 is active: set %3 to False first</source>
        <translation>%2 运行时不能修改 %1：请先将 %3 设为 False</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Add %1</source>
        <translation>添加 %1</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>%1 is not set this way</source>
        <translation>%1 不能这样设置</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Add message %1</source>
        <translation>添加消息 %1</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Edit message %1</source>
        <translation>编辑消息 %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Delete message %1</source>
        <translation>删除消息 %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Move message %1</source>
        <translation>移动消息 %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/main_window.py" line="+74"/>
        <source>Socket Workbench forms (*.sockform);;All files (*)</source>
        <translation>Socket Workbench 窗体 (*.sockform);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+206"/>
        <location line="+120"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location line="-118"/>
        <location line="+119"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location line="-36"/>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Start an empty form</source>
        <translation>新建一个空窗体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open a form file</source>
        <translation>打开窗体文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Save the form</source>
        <translation>保存窗体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Import DFM…</source>
        <translation>导入 DFM(&amp;I)…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open a C++Builder/Delphi form (.dfm)</source>
        <translation>打开 C++Builder/Delphi 窗体 (.dfm)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Export DFM…</source>
        <translation>导出 DFM(&amp;E)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write this form as a C++Builder/Delphi .dfm</source>
        <translation>将此窗体写成 C++Builder/Delphi 的 .dfm</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Trust This Form</source>
        <translation>信任此窗体(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Let this form&apos;s actions read files outside its own folder (remembered until the file changes)</source>
        <translation>允许此窗体的动作读取其文件夹以外的文件 (在文件改变之前一直记住)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cu&amp;t</source>
        <translation>剪切(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Paste</source>
        <translation>粘贴(&amp;P)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Rename</source>
        <translation>重命名(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Activate All</source>
        <translation>全部激活(&amp;A)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Set Active on every component</source>
        <translation>将每个组件的 Active 设为 True</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Deactivate All</source>
        <translation>全部停用(&amp;D)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Close every component</source>
        <translation>关闭每个组件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Reset Layout</source>
        <translation>重置布局(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Log of Selected &amp;Component</source>
        <translation>所选组件的日志(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About Socket Workbench</source>
        <translation>关于 Socket Workbench(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Socket &amp;Concepts</source>
        <translation>Socket 概念(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A guided tour of the socket concepts, one chapter at a time, checked in the event log</source>
        <translation>Socket 概念导览：一次一章，在事件日志中检查</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generate &amp;Certificates…</source>
        <translation>生成证书(&amp;C)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Make a local CA and certificates for encrypted connections, and use them in the selected component</source>
        <translation>为加密连接生成本地 CA 和证书，并在选中的组件中使用它们</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>System Language</source>
        <translation>跟随系统语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>English</source>
        <translation>English</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Simplified Chinese (简体中文)</source>
        <translation>简体中文</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>E&amp;xamples</source>
        <translation>示例(&amp;X)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Object Inspector</source>
        <translation>对象观察器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Event Log</source>
        <translation>事件日志</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connections</source>
        <translation>连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+226"/>
        <source>Socket Concepts</source>
        <translation>Socket 概念</translation>
    </message>
    <message>
        <location line="-221"/>
        <source>Component Palette</source>
        <translation>组件面板</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Form</source>
        <translation>窗体</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Untitled (from %1)</source>
        <translation>未命名 (来自 %1)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Socket Workbench - %1[*]</source>
        <translation>Socket Workbench - %1[*]</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unit</source>
        <translation>单元</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 active · %2 connections</source>
        <translation>%1 个已激活 · %2 个连接</translation>
    </message>
    <message>
        <location line="+3"/>
        <source> · %1 dropped</source>
        <translation> · 丢失 %1 个</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · engine thread</source>
        <translation> · 引擎线程</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the changes to %1 before closing it?</source>
        <translation>关闭前是否保存对 %1 的修改？</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Open Form</source>
        <translation>打开窗体</translation>
    </message>
    <message>
        <location line="+11"/>
        <location line="+25"/>
        <source>Can&apos;t open form</source>
        <translation>无法打开窗体</translation>
    </message>
    <message>
        <location line="-22"/>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Rules that can&apos;t be used</source>
        <translation>无法使用的规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is open, but these rules answer nothing until they are fixed (double-click the event in the Events tab to edit them):

%2</source>
        <translation>%1 已打开，但这些规则在修正之前不会回复任何消息 (在“事件”页中双击该事件即可编辑)：

%2</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Opened a copy of %1; Save asks where to keep it</source>
        <translation>已打开 %1 的副本；保存时会询问存放位置</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Save Form As</source>
        <translation>窗体另存为</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Can&apos;t save form</source>
        <translation>无法保存窗体</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+140"/>
        <source>Can&apos;t save %1: %2</source>
        <translation>无法保存 %1：%2</translation>
    </message>
    <message>
        <location line="-137"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>(none)</source>
        <translation>(无)</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Select a component to open its log</source>
        <translation>请选择一个组件以打开其日志</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Can&apos;t open the tour</source>
        <translation>无法打开导览</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Run this form&apos;s Python unit?</source>
        <translation>运行此窗体的 Python 单元吗？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This form&apos;s events call functions in its Python unit:

%1

Its code runs with your permissions. Run it only if you trust it. The answer is remembered until the file changes.</source>
        <translation>此窗体的事件会调用其 Python 单元中的函数：

%1

这些代码以你的权限运行。只有在你信任它时才运行。在文件改变之前会一直记住你的回答。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Let this form read files outside its folder?</source>
        <translation>允许此窗体读取其文件夹以外的文件吗？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This form&apos;s Send file actions name files outside its own folder:

%1

Whoever connects would receive them. Allow it only if you trust the form. The answer is remembered until the form file changes (File &gt; Trust This Form changes it).</source>
        <translation>此窗体的“发送文件”动作指定了其文件夹以外的文件：

%1

任何连接上来的人都会收到它们。只有在你信任此窗体时才允许。在窗体文件改变之前会一直记住你的回答 (可用“文件 &gt; 信任此窗体”更改)。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Rename handlers?</source>
        <translation>重命名处理函数吗？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename the handlers of %1 to match %2?

%3</source>
        <translation>将 %1 的处理函数重命名以匹配 %2 吗？

%3</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+4"/>
        <source>Import DFM</source>
        <translation>导入 DFM</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>C++Builder/Delphi forms (*.dfm);;All files (*)</source>
        <translation>C++Builder/Delphi 窗体 (*.dfm);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Code page of the form&apos;s 8-bit text:</source>
        <translation>窗体中 8 位文本的代码页：</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+10"/>
        <source>Can&apos;t import form</source>
        <translation>无法导入窗体</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>Save the imported form as</source>
        <translation>将导入的窗体保存为</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Import report</source>
        <translation>导入报告</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export DFM</source>
        <translation>导出 DFM</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>C++Builder/Delphi forms (*.dfm)</source>
        <translation>C++Builder/Delphi 窗体 (*.dfm)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Can&apos;t export form</source>
        <translation>无法导出窗体</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export notes</source>
        <translation>导出说明</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Certificates written to %1</source>
        <translation>证书已写入 %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>About Socket Workbench</source>
        <translation>关于 Socket Workbench</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;b&gt;Socket Workbench&lt;/b&gt;&lt;p&gt;Build, test and understand TCP programs with ClientSocket and ServerSocket components, as in C++Builder and Delphi.&lt;/p&gt;</source>
        <translation>&lt;b&gt;Socket Workbench&lt;/b&gt;&lt;p&gt;像在 C++Builder 和 Delphi 中一样，用 ClientSocket 和 ServerSocket 组件构建、测试和理解 TCP 程序。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>MessagesModel</name>
    <message>
        <location filename="../../ui/messages_panel.py" line="+86"/>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Key</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Sends: %1</source>
        <translation>发送：%1</translation>
    </message>
</context>
<context>
    <name>MessagesPanel</name>
    <message>
        <location line="-68"/>
        <source>hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+262"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add a message</source>
        <translation>添加一条消息</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Remove the selected messages</source>
        <translation>删除选中的消息</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Move the message up</source>
        <translation>将消息上移</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Move the message down</source>
        <translation>将消息下移</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send the message to the connection selected in the Connections panel (or a client&apos;s own connection)</source>
        <translation>将消息发送到“连接”面板中选中的连接 (或客户端自己的连接)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send to all</source>
        <translation>发送给全部</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send the message to every connection of the selected server</source>
        <translation>将消息发送到选中服务器的每个连接</translation>
    </message>
    <message>
        <location line="+7"/>
        <source> ms</source>
        <translation> 毫秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repeat interval (1 ms resolution)</source>
        <translation>重复间隔 (精度 1 毫秒)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>until stopped</source>
        <translation>直到停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>× </source>
        <translation>× </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How many times (0: until stopped)</source>
        <translation>次数 (0：直到停止)</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>Repeat</source>
        <translation>重复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send the message every interval to the same connection as Send</source>
        <translation>每隔一个间隔，把消息发送到与“发送”相同的连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop the selected repeat (all of them when none is selected)</source>
        <translation>停止选中的重复发送 (未选中时停止全部)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Every</source>
        <translation>每隔</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send message %1</source>
        <translation>发送消息 %1</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>message</source>
        <translation>消息</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Nothing to send to: select a client or a server on the form</source>
        <translation>没有发送目标：请在窗体上选择一个客户端或服务器</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Nothing to send to: %1 is not connected</source>
        <translation>没有发送目标：%1 未连接</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Nothing to send to: %1 has no connections</source>
        <translation>没有发送目标：%1 没有连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nothing to send to: select one of %1&apos;s connections in the Connections panel</source>
        <translation>没有发送目标：请在“连接”面板中选择 %1 的一个连接</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+56"/>
        <source>Select a message first</source>
        <translation>请先选择一条消息</translation>
    </message>
    <message>
        <location line="-49"/>
        <source>There is no message %1</source>
        <translation>没有消息 %1</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>%1 not sent to %2</source>
        <translation>%1 未发送到 %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sent %1 to %2</source>
        <translation>已将 %1 发送到 %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sent %1 to %2 connections</source>
        <translation>已将 %1 发送到 %2 个连接</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Repeating %1 every %2 ms</source>
        <translation>每 %2 毫秒重复发送 %1</translation>
    </message>
    <message numerus="yes">
        <location line="+9"/>
        <source>Stopped %n repeat(s)</source>
        <translation>
            <numerusform>已停止 %n 个重复发送</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Metadata</name>
    <message>
        <location filename="declared_strings.py" line="-80"/>
        <source>TCP client connection</source>
        <translation>TCP 客户端连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The component&apos;s name; handlers and records use it.</source>
        <translation>组件的名称；处理函数和日志记录都使用它。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A free integer for your own use.</source>
        <translation>一个供你自由使用的整数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open (connect or listen) when True; close when False.</source>
        <translation>为 True 时打开 (连接或倾听)；为 False 时关闭。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>IP address to connect to or bind; Host wins when both are set.</source>
        <translation>要连接或绑定的 IP 地址；两者都设置时以 Host 为准。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>TCP port; Service wins when both are set.</source>
        <translation>TCP 端口；两者都设置时以 Service 为准。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Service name (http, echo, ...) that gives the port.</source>
        <translation>给出端口的服务名 (http、echo 等)。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text encoding for ReceiveText and SendText.</source>
        <translation>ReceiveText 和 SendText 使用的文本编码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How the byte stream is cut into messages: none, line, delimiter:&lt;bytes&gt;, fixed:&lt;n&gt;, length:&lt;field&gt;[@offset][+-adjust][,strip=n], regex:&lt;pattern&gt; or idle:&lt;ms&gt;. OnRead fires once per message.</source>
        <translation>如何把字节流切分为消息：none、line、delimiter:&lt;bytes&gt;、fixed:&lt;n&gt;、length:&lt;field&gt;[@offset][+-adjust][,strip=n]、regex:&lt;pattern&gt; 或 idle:&lt;ms&gt;。每条消息触发一次 OnRead。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The longest message Framing accepts, in bytes; a longer one is OnError 10040 and the connection closes.</source>
        <translation>Framing 接受的最长消息 (字节)；更长的消息触发 OnError 10040 并关闭连接。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Speak TLS on the connection (certificates: CertFile, KeyFile, CAFile; checks: VerifyPeer). OnHandshake fires when it is up.</source>
        <translation>在连接上使用 TLS (证书：CertFile、KeyFile、CAFile；校验：VerifyPeer)。握手完成时触发 OnHandshake。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This side&apos;s certificate (PEM, the chain may follow); relative to the form&apos;s folder. A server needs one, a client only when the server asks for a client certificate.</source>
        <translation>本端的证书 (PEM，后面可跟证书链)；相对于窗体所在的文件夹。服务器必须有证书，客户端只在服务器要求客户端证书时需要。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The private key of CertFile (PEM, no passphrase); empty when CertFile holds it.</source>
        <translation>CertFile 的私钥 (PEM，无口令)；私钥已在 CertFile 中时为空。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The CA certificates (PEM) the peer&apos;s certificate must be signed by; empty: the system&apos;s store.</source>
        <translation>对端证书必须由其签发的 CA 证书 (PEM)；为空：使用系统的证书库。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Host name or address to connect to; wins over Address.</source>
        <translation>要连接的主机名或地址；优先于 Address。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ctNonBlocking: events on the loop; ctBlocking: open() connects on the caller&apos;s thread.</source>
        <translation>ctNonBlocking：非阻塞，事件在事件循环上触发；ctBlocking：阻塞，open() 在调用者的线程上连接。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>With TLS: verify the server&apos;s certificate (against CAFile) and its name (ServerName); False accepts any certificate.</source>
        <translation>使用 TLS 时：校验服务器的证书 (依据 CAFile) 及其名称 (ServerName)；False 接受任何证书。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>With TLS: the name sent as SNI and checked against the server&apos;s certificate; empty means Host (or Address).</source>
        <translation>使用 TLS 时：作为 SNI 发送、并与服务器证书核对的名称；为空表示使用 Host (或 Address)。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Before the host is looked up.</source>
        <translation>查找主机之前。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>After the lookup, just before connecting.</source>
        <translation>查找之后、即将连接之前。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>With TLS: the handshake is done (version, cipher and the server&apos;s certificate are in socket.tls); OnConnect follows.</source>
        <translation>使用 TLS 时：握手已完成 (版本、加密套件和服务器证书在 socket.tls 中)；随后是 OnConnect。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The connection is up.</source>
        <translation>连接已建立。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The connection is closing (once per open).</source>
        <translation>连接正在关闭 (每次打开一次)。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bytes arrived; take them with ReceiveText/ReceiveBuf.</source>
        <translation>有字节到达；用 ReceiveText/ReceiveBuf 取出。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Once after connect, then whenever the send queue drained.</source>
        <translation>连接后一次，此后每当发送队列清空时。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Something failed; return 0 to suppress the error.</source>
        <translation>出现错误；返回 0 可屏蔽该错误。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>TCP server (listening socket and its connections)</source>
        <translation>TCP 服务器 (倾听连接及其服务端连接)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Local IP address to listen on; empty listens on all interfaces.</source>
        <translation>要倾听的本地 IP 地址；为空时在所有接口上倾听。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>stNonBlocking: all connections on the loop; stThreadBlocking: a thread per connection.</source>
        <translation>stNonBlocking：非阻塞，所有连接都在事件循环上；stThreadBlocking：阻塞，每个连接一个线程。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How many idle client threads are kept for reuse.</source>
        <translation>保留多少个空闲的客户端线程以便重用。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>With TLS: require a client certificate signed by CAFile; a client without one fails the handshake.</source>
        <translation>使用 TLS 时：要求客户端提供由 CAFile 签发的证书；没有证书的客户端握手失败。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The server is listening.</source>
        <translation>服务器正在倾听。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A connection was accepted.</source>
        <translation>接受了一个连接。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A connection object is being made for an accept.</source>
        <translation>正在为接受的连接创建连接对象。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stThreadBlocking: return a ServerClientThread for the connection.</source>
        <translation>stThreadBlocking：为该连接返回一个 ServerClientThread。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new client thread starts.</source>
        <translation>一个新的客户端线程启动。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A client thread ends.</source>
        <translation>一个客户端线程结束。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>With TLS: a client&apos;s handshake is done (version, cipher and its certificate are in socket.tls); OnClientConnect follows.</source>
        <translation>使用 TLS 时：一个客户端的握手已完成 (版本、加密套件和它的证书在 socket.tls 中)；随后是 OnClientConnect。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A client connection is ready.</source>
        <translation>一个服务端连接已就绪。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A client connection is closing.</source>
        <translation>一个服务端连接正在关闭。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bytes arrived from a client.</source>
        <translation>有字节从客户端到达。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A client connection can be written to.</source>
        <translation>可以向一个服务端连接写入。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A client connection failed; return 0 to suppress the error.</source>
        <translation>一个服务端连接出错；返回 0 可屏蔽该错误。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>UDP datagram socket (unicast, broadcast, multicast)</source>
        <translation>UDP 数据报 Socket (单播、广播、组播)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none only: a datagram is one message, and OnRead fires once per datagram.</source>
        <translation>只能为 none：一个数据报就是一条消息，每个数据报触发一次 OnRead。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The address to bind; empty: all interfaces (IPv4 and IPv6).</source>
        <translation>要绑定的地址；为空：所有网络接口 (IPv4 和 IPv6)。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The port to bind; 0: any free port (socket.local_port tells which).</source>
        <translation>要绑定的端口；0：任意空闲端口 (socket.local_port 给出是哪个)。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Host name or address send_buf sends to; wins over RemoteAddress.</source>
        <translation>send_buf 发送到的主机名或地址；优先于 RemoteAddress。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>IP address send_buf sends to when RemoteHost is empty.</source>
        <translation>RemoteHost 为空时 send_buf 发送到的 IP 地址。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The port send_buf sends to; Service wins when both are set.</source>
        <translation>send_buf 发送到的端口；两者都设置时 Service 优先。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Allow sending to broadcast addresses (SO_BROADCAST).</source>
        <translation>允许发送到广播地址 (SO_BROADCAST)。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An IPv4 or IPv6 multicast group to join on open; send_buf sends to it when no RemoteHost or RemoteAddress is set.</source>
        <translation>打开时加入的 IPv4 或 IPv6 组播组；未设置 RemoteHost 和 RemoteAddress 时 send_buf 发送到该组。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The interface to join and send multicast on: a name (eth0), an index, or (IPv4) its address.</source>
        <translation>加入组播和发送组播所用的网络接口：名称 (eth0)、索引，或 (IPv4) 它的地址。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Hops a multicast datagram may take (1: this network only).</source>
        <translation>组播数据报可经过的跳数 (1：仅限本网络)。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Deliver multicast datagrams sent here to this machine too.</source>
        <translation>本机发出的组播数据报也投递给本机。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Let several sockets bind the same port (SO_REUSEADDR), as multicast listeners on one machine do.</source>
        <translation>允许多个 Socket 绑定同一端口 (SO_REUSEADDR)，如同一台机器上的多个组播接收者。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The socket is bound (and has joined its group).</source>
        <translation>Socket 已绑定 (并已加入它的组)。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A datagram arrived; socket is its sender: ReceiveText/ReceiveBuf give the datagram, SendText answers it.</source>
        <translation>收到一个数据报；socket 是它的发送方：ReceiveText/ReceiveBuf 给出该数据报，SendText 回复它。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Once the socket is served, then whenever a full send buffer drained; socket sends to the default destination.</source>
        <oldsource>Once the socket is served, then whenever a full send buffer drained.</oldsource>
        <translation>Socket 开始服务时触发一次，之后每当已满的发送缓冲区排空时触发；socket 发送到默认目的地址。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A send or lookup failed; return 0 to suppress the error.</source>
        <translation>发送或查找失败；返回 0 以屏蔽该错误。</translation>
    </message>
</context>
<context>
    <name>NetworkModeActions</name>
    <message>
        <location filename="../../ui/network_mode.py" line="+67"/>
        <source>&amp;GUI Loop (VCL Semantics)</source>
        <extracomment>asks whether to restart this many running components on the other loop</extracomment>
        <translation>GUI 循环（VCL 语义）(&amp;G)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Components run on the GUI thread and their handlers may touch the window, as in the VCL</source>
        <translation>组件在 GUI 线程上运行，其处理程序可以直接操作窗口，与 VCL 相同</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Dedicated Thread (Fastest)</source>
        <translation>专用线程（最快）(&amp;D)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Components run on an engine thread of their own; handlers run there and reach the window only through post_to_gui()</source>
        <translation>组件在独立的引擎线程上运行；处理程序也在该线程上运行，只能通过 post_to_gui() 操作窗口</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Network</source>
        <translation>网络(&amp;N)</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Switch the network mode?</source>
        <translation>切换网络模式？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 active component(s) will restart on the other loop, and their connections close. Switch now?</source>
        <translation>%1 个活动组件将在另一个循环上重新启动，其连接将被关闭。现在切换吗？</translation>
    </message>
</context>
<context>
    <name>ObjectInspector</name>
    <message>
        <location filename="../../ui/object_inspector.py" line="+158"/>
        <source>The component shown below</source>
        <extracomment>a double-click on an event row (the hook for creating/opening a unit function)</extracomment>
        <translation>下方显示的组件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Properties</source>
        <translation>属性</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Events</source>
        <translation>事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dismiss</source>
        <translation>关闭提示</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>PaletteTab</name>
    <message>
        <location filename="declared_strings.py" line="-67"/>
        <source>Internet</source>
        <translation>Internet</translation>
    </message>
</context>
<context>
    <name>PropertyHints</name>
    <message>
        <location line="+14"/>
        <source>in CertFile</source>
        <translation>在 CertFile 中</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the system&apos;s certificate store</source>
        <translation>系统的证书库</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>all interfaces (IPv4 and IPv6)</source>
        <translation>所有接口 (IPv4 和 IPv6)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>all interfaces</source>
        <translation>所有网络接口</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>any</source>
        <translation>任意</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>the system&apos;s choice</source>
        <translation>由系统选择</translation>
    </message>
</context>
<context>
    <name>PropertyTableModel</name>
    <message>
        <location filename="../../ui/object_inspector.py" line="-344"/>
        <source>Property</source>
        <extracomment>how often runtime values (connections, threads, ports) are re-read while visible an edit is about to be tried: an earlier message no longer applies (and whatever the edit itself reports, such as a failed open, must not be wiped after it)</extracomment>
        <translation>属性</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>Read-only: shown while the component runs</source>
        <translation>只读：组件运行时显示</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="declared_strings.py" line="+35"/>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>RecordingController</name>
    <message>
        <location filename="../../ui/recording.py" line="+50"/>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>&amp;Record</source>
        <extracomment>the recording stopped by itself (the size limit, a write error); the message to show a recording started (the file) or stopped (&quot;&quot;)</extracomment>
        <translation>录制(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Record every connection, every byte, into a pcapng file (Wireshark opens it)</source>
        <translation>把每个连接的每个字节录制到 pcapng 文件（Wireshark 可打开）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Recording Size &amp;Limit…</source>
        <translation>录制大小上限(&amp;L)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The size at which a recording stops</source>
        <translation>录制在达到此大小时停止</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Record to</source>
        <translation>录制到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pcapng captures (*.pcapng);;All files (*)</source>
        <translation>pcapng 抓包文件 (*.pcapng);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Can&apos;t record</source>
        <translation>无法录制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Can&apos;t record to %1: %2</source>
        <translation>无法录制到 %1：%2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Recording to %1</source>
        <translation>正在录制到 %1</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Recorded %1 (%2) to %3</source>
        <translation>已录制 %1（%2）到 %3</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Recorded %1 · %2</source>
        <translation>已录制 %1 · %2</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Recording stopped: can&apos;t write %1: %2</source>
        <translation>录制已停止：无法写入 %1：%2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Recording stopped: %1 reached its size limit of %2. Everything before the limit is in the file, nothing after it.</source>
        <translation>录制已停止：%1 已达到大小上限 %2。上限之前的内容全部在文件中，之后的内容没有录制。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Recording stopped</source>
        <translation>录制已停止</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>● REC %1 · %2</source>
        <translation>● 录制 %1 · %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Recording to %1 (stops at %2)</source>
        <translation>正在录制到 %1（到 %2 时停止）</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Recording Size Limit</source>
        <translation>录制大小上限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop recording when the file reaches (MB):</source>
        <translation>文件达到此大小时停止录制 (MB)：</translation>
    </message>
</context>
<context>
    <name>RepeatsModel</name>
    <message>
        <location filename="../../ui/messages_panel.py" line="-327"/>
        <source>%1 to %2 every %3 ms: %4 of %5 sent</source>
        <translation>%1 发往 %2，每 %3 毫秒：已发送 %4 / %5</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 to %2 every %3 ms: %4 sent, until stopped</source>
        <translation>%1 发往 %2，每 %3 毫秒：已发送 %4，直到停止</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 → %2 · %3 ms · %4 sent</source>
        <translation>%1 → %2 · %3 毫秒 · 已发送 %4</translation>
    </message>
</context>
<context>
    <name>RuleEditor</name>
    <message>
        <location filename="../../ui/rule_editor.py" line="+353"/>
        <source>&amp;Add</source>
        <translation>添加(&amp;A)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add a rule after the selected one</source>
        <translation>在选中的规则之后添加一条规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Remove</source>
        <translation>删除(&amp;R)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Remove the selected rule</source>
        <translation>删除选中的规则</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move &amp;Up</source>
        <translation>上移(&amp;U)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Try the selected rule earlier</source>
        <translation>让选中的规则更早匹配</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move &amp;Down</source>
        <translation>下移(&amp;D)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Try the selected rule later</source>
        <translation>让选中的规则更晚匹配</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>Test a frame</source>
        <translation>测试一条消息</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A frame as it arrives, e.g. PING 7 (escapes: \r \n \t \xNN)</source>
        <translation>到达时的一条消息，例如 PING 7 (转义：\r \n \t \xNN)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Text</source>
        <translation>文本(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Hex</source>
        <translation>十六进制(&amp;H)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>(nothing is sent)</source>
        <translation>(不发送任何内容)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Frame:</source>
        <translation>消息：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Answer:</source>
        <translation>回复：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reply bytes:</source>
        <translation>回复字节：</translation>
    </message>
    <message>
        <location line="+69"/>
        <source>Reply rules of %1.%2</source>
        <translation>%1.%2 的回复规则</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Type or paste a frame to see which rule answers it.</source>
        <translation>输入或粘贴一条消息，查看由哪条规则回复。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Not answered: %1</source>
        <translation>不回复：%1</translation>
    </message>
    <message numerus="yes">
        <location line="+5"/>
        <source>Unmatched: no rule matches this %n byte; nothing is sent</source>
        <translation>
            <numerusform>未匹配：没有规则匹配这 %n 个字节；不发送任何内容</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>Unmatched: no rule matches these %n bytes; nothing is sent</source>
        <translation>
            <numerusform>未匹配：没有规则匹配这 %n 个字节；不发送任何内容</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Rule %1 (%2) answers</source>
        <translation>规则 %1 (%2) 回复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rule %1 answers</source>
        <translation>规则 %1 回复</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1, but its reply can&apos;t be sent: %2</source>
        <translation>%1，但它的回复无法发送：%2</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>after %1 ms</source>
        <translation>%1 毫秒后</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n byte added by the framing</source>
        <translation>
            <numerusform>分帧添加了 %n 个字节</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n bytes added by the framing</source>
        <translation>
            <numerusform>分帧添加了 %n 个字节</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>then closes the connection</source>
        <translation>然后关闭连接</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n byte</source>
        <translation>
            <numerusform>%n 个字节</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+0"/>
        <source>%n bytes</source>
        <translation>
            <numerusform>%n 个字节</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RuleTableModel</name>
    <message>
        <location line="-439"/>
        <source>Rule name</source>
        <extracomment>the Rule fields the columns show, in order an edit was refused; the text says why (rule, field, position) an edit was taken</extracomment>
        <translation>规则名称</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Match</source>
        <translation>匹配</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Pattern</source>
        <translation>模式</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delay (ms)</source>
        <translation>延迟 (毫秒)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>rule %1, delay_ms: a whole number of milliseconds</source>
        <translation>规则 %1，delay_ms：必须是整数毫秒</translation>
    </message>
</context>
<context>
    <name>SavedActiveBanner</name>
    <message>
        <location filename="../../ui/saved_active_banner.py" line="+69"/>
        <source>Components saved active</source>
        <translation>保存时处于激活状态的组件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start the components that were saved with Active = True (F9 starts every component)</source>
        <translation>启动保存时 Active = True 的组件 (F9 启动所有组件)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Hide this message for this form</source>
        <translation>对此窗体隐藏此提示</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dismiss</source>
        <translation>关闭提示</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>%1 was saved active. Opening a form starts nothing by itself.</source>
        <translation>%1 保存时处于激活状态。打开窗体本身不会启动任何东西。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Activate it</source>
        <translation>激活它</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>%n components were saved active. Opening a form starts nothing by itself.</source>
        <translation>
            <numerusform>%n 个组件保存时处于激活状态。打开窗体本身不会启动任何东西。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Activate them</source>
        <translation>激活它们</translation>
    </message>
</context>
<context>
    <name>ScenarioActions</name>
    <message>
        <location filename="../../ui/scenario_actions.py" line="+44"/>
        <source>Scenarios (*.toml);;All files (*)</source>
        <translation>场景 (*.toml);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Run &amp;Scenario…</source>
        <translation>运行场景(&amp;S)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run a scenario file; each step&apos;s result goes to the event log</source>
        <translation>运行场景文件；每一步的结果都记入事件日志</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>S&amp;top Scenario</source>
        <translation>停止场景(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save Connection as Scena&amp;rio…</source>
        <translation>将连接另存为场景(&amp;R)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write the selected connection&apos;s conversation, as the log holds it, as a scenario file</source>
        <translation>将选中连接的会话 (按日志中保存的内容) 写成场景文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save This Connection as Scenario…</source>
        <translation>将此连接另存为场景…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Run Scenario</source>
        <translation>运行场景</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>A scenario is running already: stop it first</source>
        <translation>已有场景正在运行：请先停止它</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The scenario does not load: %1</source>
        <translation>无法加载场景：%1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No event loop runs, so no scenario can</source>
        <translation>没有运行中的事件循环，因此无法运行场景</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Running scenario %1…</source>
        <translation>正在运行场景 %1…</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Scenario %1 passed (%2 steps)</source>
        <translation>场景 %1 通过 (%2 步)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Scenario %1 failed at %2: %3</source>
        <translation>场景 %1 在 %2 失败：%3</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Select a connection in the Connections panel, or a row of one in the event log, first</source>
        <translation>请先在“连接”面板中选择一个连接，或在事件日志中选择某个连接的一行</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save Connection as Scenario</source>
        <translation>将连接另存为场景</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Could not save %1: %2</source>
        <translation>无法保存 %1：%2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Saved %1; %2 send(s) were longer than the log keeps, so they are cut short in the file (see its comments)</source>
        <translation>已保存 %1；有 %2 次发送超出日志保存的长度，因此在文件中被截短 (见文件中的注释)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Saved %1: %2 send(s), %3 expect(s)</source>
        <translation>已保存 %1：%2 次发送，%3 次期望</translation>
    </message>
</context>
<context>
    <name>SocketError</name>
    <message>
        <location filename="../../ui/error_text.py" line="+27"/>
        <source>Socket error %1 (%2): %3</source>
        <extracomment>the engine&apos;s templates, most specific first (components/errors.py, client_socket.py, server_socket.py, metadata.py, builtin_actions.py)</extracomment>
        <translation>Socket 错误 %1 (%2)：%3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Socket error %1: %2</source>
        <translation>Socket 错误 %1：%2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1, on API &apos;%2&apos;</source>
        <translation>%1，API：%2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>connecting to %1 (%2)</source>
        <translation>正在连接 %1 (%2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>connecting to %1</source>
        <translation>正在连接 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>looking up %1</source>
        <translation>正在查找 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>binding all interfaces, port %1</source>
        <translation>正在绑定所有接口，端口 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>binding %1</source>
        <translation>正在绑定 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is read-only</source>
        <translation>%1 是只读的</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>listening on %1</source>
        <translation>正在 %1 上倾听</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 ran %2 s on the event loop; everything else waited</source>
        <translation>%1 在事件循环上运行了 %2 秒；其他一切都在等待</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 handler</source>
        <translation>%1 处理函数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 must be between %2 and %3, not %4</source>
        <translation>%1 必须介于 %2 和 %3 之间，而不是 %4</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 must be a whole number, not %2</source>
        <translation>%1 必须是整数，而不是 %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 must be True or False, not %2</source>
        <translation>%1 必须是 True 或 False，而不是 %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 must be one of %2, not %3</source>
        <translation>%1 必须是 %2 之一，而不是 %3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is not an IPv4 address, an IPv6 address or a host name</source>
        <translation>%1 不是 IPv4 地址、IPv6 地址，也不是主机名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is not a service name (such as &apos;http&apos; or &apos;echo&apos;) or a port number</source>
        <translation>%1 不是服务名 (如 http 或 echo)，也不是端口号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>service port %1 is out of range 1-65535</source>
        <translation>服务端口 %1 超出范围 1-65535</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is not a known text encoding (try utf-8, gbk, cp1251, latin-1)</source>
        <translation>%1 不是已知的文本编码 (可试 utf-8、gbk、cp1251、latin-1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is not a valid component name: use letters, digits and _, not starting with a digit</source>
        <translation>%1 不是有效的组件名称：请使用字母、数字和 _，且不以数字开头</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>hex needs pairs of digits; %1 digits given</source>
        <translation>十六进制需要成对的数字；给出了 %1 个数字</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is not a hex digit</source>
        <translation>%1 不是十六进制数字</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is damaged: not valid JSON at line %2, column %3 (%4)</source>
        <translation>%1 已损坏：第 %2 行第 %3 列不是有效的 JSON (%4)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is damaged: not UTF-8 text (byte %2)</source>
        <translation>%1 已损坏：不是 UTF-8 文本 (字节 %2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is damaged: %2</source>
        <translation>%1 已损坏：%2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is not a Socket Workbench form (no &quot;format&quot;: &quot;%2&quot;)</source>
        <translation>%1 不是 Socket Workbench 窗体 (没有 &quot;format&quot;: &quot;%2&quot;)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 has no valid &quot;version&quot;</source>
        <translation>%1 没有有效的 &quot;version&quot;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is version %2, newer than this Socket Workbench understands (up to %3); update Socket Workbench to open it</source>
        <translation>%1 的版本为 %2，比此 Socket Workbench 能理解的 (最高 %3) 更新；请更新 Socket Workbench 后再打开</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 has an unknown version %2</source>
        <translation>%1 的版本 %2 未知</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>can&apos;t open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1, %2</source>
        <translation>%1，%2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Can&apos;t change value while socket is active</source>
        <extracomment>whole messages: the engine&apos;s own and the system&apos;s (Linux strerror and getaddrinfo texts)</extracomment>
        <translation>Socket 处于激活状态时不能修改该值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Socket must be in blocking mode</source>
        <translation>Socket 必须处于阻塞模式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No address specified</source>
        <translation>未指定地址</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Expecting value</source>
        <translation>此处应为一个值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Expecting property name enclosed in double quotes</source>
        <translation>此处应为用双引号括起的属性名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Expecting &apos;,&apos; delimiter</source>
        <translation>此处应为逗号分隔符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Expecting &apos;:&apos; delimiter</source>
        <translation>此处应为冒号分隔符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extra data</source>
        <translation>多余的数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unterminated string starting at</source>
        <translation>字符串未结束，起始于</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Invalid control character at</source>
        <translation>无效的控制字符，位于</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No such file or directory</source>
        <translation>没有那个文件或目录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Is a directory</source>
        <translation>是一个目录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send file needs the path of a file</source>
        <translation>“发送文件”需要一个文件路径</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection timed out</source>
        <translation>连接超时</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection reset by peer</source>
        <translation>连接被对端重置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Software caused connection abort</source>
        <translation>软件导致连接中止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Address already in use</source>
        <translation>地址已被占用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cannot assign requested address</source>
        <translation>无法分配请求的地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Network is unreachable</source>
        <translation>网络不可达</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Network is down</source>
        <translation>网络已断开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No route to host</source>
        <translation>没有到主机的路由</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Host is down</source>
        <translation>主机已关闭</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Broken pipe</source>
        <translation>管道已断开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Permission denied</source>
        <translation>权限不足</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Too many open files</source>
        <translation>打开的文件过多</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Message too long</source>
        <translation>消息过长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Transport endpoint is not connected</source>
        <translation>传输端点未连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Transport endpoint is already connected</source>
        <translation>传输端点已连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No buffer space available</source>
        <translation>没有可用的缓冲区空间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Invalid argument</source>
        <translation>无效的参数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name or service not known</source>
        <translation>未知的主机名或服务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Temporary failure in name resolution</source>
        <translation>域名解析暂时失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Non-recoverable failure in name resolution</source>
        <translation>域名解析出现不可恢复的错误</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No address associated with hostname</source>
        <translation>主机名没有关联的地址</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Servname not supported for ai_socktype</source>
        <translation>该 Socket 类型不支持此服务名</translation>
    </message>
</context>
<context>
    <name>TimelinePane</name>
    <message>
        <location filename="../../ui/timeline.py" line="+845"/>
        <source>Zoom out (Ctrl+wheel)</source>
        <translation>缩小（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom in (Ctrl+wheel)</source>
        <translation>放大（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zoom: from microseconds to minutes per screen</source>
        <translation>缩放：每屏从微秒到分钟</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the whole session</source>
        <translation>显示整个会话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Follow the newest events</source>
        <translation>跟随最新的事件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SVG…</source>
        <translation>SVG…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export the visible range as SVG</source>
        <translation>把可见范围导出为 SVG</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG…</source>
        <translation>PNG…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export the visible range as PNG</source>
        <translation>把可见范围导出为 PNG</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>%1 per 100 px</source>
        <translation>每 100 像素 %1</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Export timeline as SVG</source>
        <translation>把时间线导出为 SVG</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>SVG images (*.svg)</source>
        <translation>SVG 图像 (*.svg)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export timeline as PNG</source>
        <translation>把时间线导出为 PNG</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Could not write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>TimelineView</name>
    <message>
        <location line="-636"/>
        <source>%1 bytes</source>
        <extracomment>a paint draws at most this many records per pixel row (the rest are counted on the row) records of one lane closer than this (px) are drawn as one busy band how many records (nearly) at once one lane draws just under each other before it bands them a record was clicked: its sequence number in the model the scale (pixels per second) changed what the last paint drew where: (y, x from, x to, sequence number) False while nobody can see the view (its dock hidden): the index then waits, stale, and is built again when it shows, so a hidden Timeline costs a flood nothing</extracomment>
        <translation>%1 字节</translation>
    </message>
    <message>
        <location line="+345"/>
        <source>peer %1</source>
        <translation>对端 %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>listener</source>
        <translation>倾听连接</translation>
    </message>
    <message>
        <location line="+138"/>
        <source>1 byte</source>
        <translation>1 字节</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Socket Workbench timeline</source>
        <translation>Socket Workbench 时间线</translation>
    </message>
</context>
<context>
    <name>TourPanel</name>
    <message>
        <location filename="../../ui/tour.py" line="+203"/>
        <source>Socket concepts</source>
        <translation>Socket 概念</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pick a chapter to begin.</source>
        <translation>选择一章开始。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Chapter %1 of %2</source>
        <translation>第 %1 章 (共 %2 章)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Touch: %1 › %2 (selected in the Object Inspector)</source>
        <translation>要操作的：%1 › %2 (已在对象观察器中选中)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Waiting for: %1</source>
        <translation>等待：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Bind %1 to “%2” on the Events tab.</source>
        <translation>在“事件”页把 %1 绑定到“%2”。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>%1. %2</source>
        <translation>%1. %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Open the Form Again</source>
        <translation>重新打开窗体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Previous</source>
        <translation>上一章</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next Chapter</source>
        <translation>下一章</translation>
    </message>
</context>
<context>
    <name>UdpPeersModel</name>
    <message>
        <location filename="../../ui/udp_peers_model.py" line="+38"/>
        <source>Peer</source>
        <translation>对端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In</source>
        <translation>收到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Out</source>
        <translation>发出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last seen</source>
        <translation>最近活动</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Datagrams · bytes received</source>
        <translation>已接收的数据报 · 字节</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Datagrams · bytes sent</source>
        <translation>已发送的数据报 · 字节</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>%1 datagrams, %2 bytes received</source>
        <translation>已接收 %1 个数据报，%2 字节</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 datagrams, %2 bytes sent</source>
        <translation>已发送 %1 个数据报，%2 字节</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>First seen %1, last seen %2</source>
        <translation>首次出现于 %1，最近活动于 %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Send goes to this peer; with none selected, to the default destination</source>
        <translation>发送到此对端；未选中任何对端时，发送到默认目的地址</translation>
    </message>
</context>
<context>
    <name>UnitController</name>
    <message>
        <location filename="../../ui/unit_controller.py" line="+115"/>
        <source>The form&apos;s events name unit functions, but it has no unit file yet</source>
        <translation>窗体的事件指定了单元函数，但它还没有单元文件</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 is not trusted: its handlers won&apos;t run; built-in actions still do</source>
        <translation>%1 未受信任：其处理函数不会运行；内置动作仍会执行</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Reloaded %1</source>
        <translation>已重新载入 %1</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>%1 changed outside and is no longer trusted</source>
        <translation>%1 在外部被修改，不再受信任</translation>
    </message>
</context>
<context>
    <name>UnitEditor</name>
    <message>
        <location filename="../../ui/unit_editor.py" line="+194"/>
        <source>%1 cannot be read: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>There is no file to save to.</source>
        <translation>没有可保存到的文件。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not saved. %1</source>
        <translation>未保存。%1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Could not save %1: %2</source>
        <translation>无法保存 %1：%2</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>%1 is not UTF-8 text (byte 0x%2 at offset %3), so it is shown read-only and will not be saved from here.</source>
        <translation>%1 不是 UTF-8 文本 (偏移 %3 处的字节 0x%2)，因此以只读方式显示，不会从这里保存。</translation>
    </message>
    <message>
        <location line="+67"/>
        <source>%1 was deleted or moved on disk. Saving will create it again.</source>
        <translation>%1 已在磁盘上被删除或移动。保存会重新创建它。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 changed on disk. Reload from disk and lose your edits?</source>
        <translation>%1 在磁盘上已改变。要从磁盘重新载入并丢弃你的修改吗？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reload</source>
        <translation>重新载入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep my edits</source>
        <translation>保留我的修改</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Could not reload %1: %2</source>
        <translation>无法重新载入 %1：%2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>%1 was not added: %2</source>
        <translation>未添加 %1：%2</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>%1 was not renamed: the unit already has a function %2.</source>
        <translation>未重命名 %1：单元中已有函数 %2。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Go to line</source>
        <translation>转到该行</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>(not saved yet: a copy of %1)</source>
        <translation>(尚未保存：%1 的副本)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(no unit)</source>
        <translation>(无单元)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Read-only</source>
        <translation>只读</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>● Modified</source>
        <translation>● 已修改</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>New file</source>
        <translation>新文件</translation>
    </message>
</context>
<context>
    <name>_GoToLineBar</name>
    <message>
        <location filename="../../ui/code_editor.py" line="+104"/>
        <location line="+13"/>
        <source>Go to line:</source>
        <extracomment>The watcher fires several times while another program writes a file; read it once it settles.</extracomment>
        <translation>转到行：</translation>
    </message>
</context>
<context>
    <name>_MessageBar</name>
    <message>
        <location filename="../../ui/unit_editor.py" line="-340"/>
        <location line="+8"/>
        <source>Dismiss</source>
        <translation>关闭提示</translation>
    </message>
</context>
</TS>
