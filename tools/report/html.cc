// tools/report/html.cc — the report page: fixed CSS and JS (no network, no CDN), the
// run's data embedded as escaped JSON in <script type="application/json">, rendered by
// the JS with createElement / textContent only (never innerHTML with data). With
// "#selftest" in the URL the page writes its own checks into <pre id="selftest">
// (tests/report/browser_test.sh reads them with chromium --dump-dom).
#include <string>

#include "tools/report/report.h"

namespace raftlab::tools::report {

namespace {

constexpr const char* kHead = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>raftlab report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 6px}
.sub{color:#555} .badge{display:inline-block;padding:1px 8px;border-radius:9px;color:#fff;font-weight:600}
.pass{background:#2e7d32} .fail{background:#c62828}
#chartwrap{background:#fff;border:1px solid #ddd;overflow:hidden;position:relative}
svg text{font:11px system-ui,sans-serif} .lane-label{font-weight:600;font-size:12px} .track-label{font-weight:600;font-size:12px;fill:#8d4a00}
.controls{margin:8px 0;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.controls input[type=range]{flex:1;min-width:200px}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow:auto;font:12px/1.3 ui-monospace,monospace;margin:0}
#tip{position:fixed;pointer-events:none;background:#333;color:#fff;padding:4px 8px;border-radius:4px;font-size:12px;max-width:520px;display:none;white-space:pre-wrap;z-index:9}
table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;font-size:13px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:12px} .cols>div{min-width:0} @media(max-width:1100px){.cols{grid-template-columns:1fr}}
#cause{background:#fff8e1;border:1px solid #f0c36d;padding:8px 12px;overflow-wrap:anywhere} #cause .head{font-weight:600}
#cause .fix{margin-top:4px} #cause .finding+.finding{margin-top:10px;border-top:1px solid #f0c36d;padding-top:8px}
#evlist td:nth-child(2){white-space:nowrap} #cause code{background:#fff;border:1px solid #eee;padding:0 3px}
.legend span{display:inline-block;margin-right:12px} .sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px;border:1px solid #999}
#evlist{max-height:420px;overflow:auto} #status{max-height:560px} #evlist tr{cursor:pointer} #evlist tr:hover{background:#eef}
.viol{color:#c62828;font-weight:600}
</style></head><body>
<h1 id="title">raftlab report</h1><div class="sub" id="subtitle"></div><p id="desc"></p>
<div id="violations"></div>
<div class="legend" id="legend"></div>
<div class="controls"><button id="zin">zoom in</button><button id="zout">zoom out</button><button id="zreset">whole run</button>
<span id="window"></span><span class="sub">wheel: zoom · drag: pan · click the axis: etcdctl at that instant · arrows appear when zoomed in</span></div>
<div id="chartwrap"><svg id="chart" xmlns="http://www.w3.org/2000/svg"></svg></div>
<div class="controls"><label for="slider">time</label><input id="slider" type="range" min="0" max="0" value="0"><span id="slidert"></span></div>
<div class="cols"><div><h2>Root cause</h2><div id="cause"></div></div><div><h2>Expectations</h2><div id="expect"></div></div></div>
<div class="cols"><div><h2>etcdctl at the selected instant</h2><pre id="status"></pre></div>
<div><h2>details</h2><pre id="detail">hover or click an event, a lane or an arrow</pre><h2>timeline</h2><div id="evlist"></div></div></div>
<pre id="selftest" hidden></pre>
<div id="tip"></div>
<script type="application/json" id="data">)HTML";

constexpr const char* kTail = R"HTML(</script>
<script>
"use strict";
(function(){
const T0=performance.now();
const errors=[];
window.addEventListener('error',e=>errors.push(String(e.message)));
const D=JSON.parse(document.getElementById('data').textContent);
const $=id=>document.getElementById(id);
const NS='http://www.w3.org/2000/svg';
const ROLE=['starting','follower','pre-candidate','candidate','leader','stopped'];
const RCOL=['#d9d9d9','#90caf9','#ffcc80','#ff9800','#2e7d32','#9e9e9e'];
const CCOL=['#1b9e77','#d95f02','#7570b3','#e7298a','#66a61e','#e6ab02','#a6761d','#1f78b4','#b2df8a','#fb9a99'];
const ccol=i=>i<0?'#eee':CCOL[i%CCOL.length];
function el(tag,attrs,text){const e=document.createElement(tag);for(const k in attrs||{})e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function sv(tag,attrs,text){const e=document.createElementNS(NS,tag);for(const k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function fmt(ns){const s=ns/1e9;return (Math.abs(s)<10?s.toFixed(3):s.toFixed(2))+'s';}
const M=D.members, TR=D.tracks, END=Math.max(D.end,1), ROWS=M.length+TR.length;
let v0=0,v1=END, cursor=0;
const LANE=40, TOP=28, LABEL_MAX=240;
let LW=120;  // the label column: sized to the labels below (capped at LABEL_MAX)
// header
$('title').textContent='raftlab report — '+D.scenario;
const sub=$('subtitle'); sub.textContent='file '+D.file+' · seed '+D.seed+' · '+fmt(D.end)+' of virtual time · trace '+D.sha.slice(0,16)+'… ';
sub.appendChild(el('span',{class:'badge '+(D.passed?'pass':'fail')},D.passed?'expectations hold':'an expectation fails'));
$('desc').textContent=D.description;
if(D.planted.length){$('violations').appendChild(el('p',{class:'viol'},'PLANTED BUG ACTIVE: '+D.planted.join(', ')));}
for(const v of D.violations){$('violations').appendChild(el('p',{class:'viol'},'checker '+v.checker+' fired at '+fmt(v.at)+': '+v.evidence));}
// legend
const lg=$('legend');
ROLE.forEach((r,i)=>{const s=el('span');s.appendChild(el('i',{class:'sw',style:'background:'+RCOL[i]}));s.appendChild(document.createTextNode(r));lg.appendChild(s);});
D.clusters.forEach((c,i)=>{const s=el('span');s.appendChild(el('i',{class:'sw',style:'background:'+ccol(i)}));s.appendChild(document.createTextNode('cluster '+c));lg.appendChild(s);});
if(D.ev.some(e=>e[2]==='cloud')){const s=el('span');s.appendChild(el('i',{class:'sw',style:'background:#ef6c00;border-radius:6px'}));s.appendChild(document.createTextNode('AWS / gateway event (instances on their lanes; group, load balancer, gateways on their own rows)'));lg.appendChild(s);}
const tip=$('tip');
function hover(node,text){node.addEventListener('mousemove',e=>{tip.textContent=text;tip.style.display='block';tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';});
  node.addEventListener('mouseleave',()=>{tip.style.display='none';});
  node.addEventListener('click',ev=>{ev.stopPropagation();$('detail').textContent=text;});}
const svg=$('chart');
// Lane labels: member names, their hosts (when not the member's own name: a cloud
// instance is its host) and the cloud tracks. The column is as wide as the widest label
// up to LABEL_MAX; a longer label is shortened in the middle, the full text on hover.
const LABELS=[];M.forEach(m=>{LABELS.push({t:m.name,c:'lane-label'});if(m.host!==m.name)LABELS.push({t:'host '+m.host,c:''});});
TR.forEach(t=>LABELS.push({t:t,c:'track-label'}));
function textWidth(t,c){const n=sv('text',{x:0,y:-50,class:c},t);svg.appendChild(n);const w=n.getComputedTextLength();svg.removeChild(n);return w;}
LW=Math.min(LABEL_MAX,Math.ceil(Math.max(60,...LABELS.map(l=>textWidth(l.t,l.c))))+14);
function label(g,x,y,c,full,fill){const n=sv('text',{x:x,y:y,class:c},full);if(fill)n.setAttribute('fill',fill);g.appendChild(n);
  if(n.getComputedTextLength()>LW-x-6){let k=full.length;while(k>4){k--;const a=Math.ceil(k/2),b=k-a;n.textContent=full.slice(0,a)+'…'+full.slice(full.length-b);if(n.getComputedTextLength()<=LW-x-6)break;}
    n.setAttribute('data-full',full);n.appendChild(sv('title',{},full));hover(n,full);}
  return n;}
function width(){return Math.max(600,$('chartwrap').clientWidth);}
function X(t){return LW+(t-v0)/(v1-v0)*(width()-LW-10);}
function T(x){return v0+(x-LW)/(width()-LW-10)*(v1-v0);}
function ticks(){const span=v1-v0;let step=1;const want=span/8;while(step*10<=want)step*=10;if(step*5<=want)step*=5;else if(step*2<=want)step*=2;return step;}
function render(){
  while(svg.firstChild)svg.removeChild(svg.firstChild);
  const W=width(),H=TOP+ROWS*LANE+18;
  svg.setAttribute('width',W);svg.setAttribute('height',H);svg.setAttribute('viewBox','0 0 '+W+' '+H);
  const axis=sv('rect',{x:LW,y:0,width:W-LW,height:TOP-4,fill:'#f3f3f3',class:'axis'});svg.appendChild(axis);
  axis.addEventListener('click',e=>{const r=svg.getBoundingClientRect();setCursor(T(e.clientX-r.left));});
  const st=ticks();
  for(let t=Math.ceil(v0/st)*st;t<=v1;t+=st){svg.appendChild(sv('line',{x1:X(t),x2:X(t),y1:TOP-6,y2:H,stroke:'#eee'}));svg.appendChild(sv('text',{x:X(t)+2,y:14,'pointer-events':'none'},fmt(t)));}
  const lanes=sv('g',{id:'lanes'});svg.appendChild(lanes);
  // Each lane's group is in the page before its labels: a label is measured as it is drawn.
  M.forEach((m,i)=>{const g=lanes.appendChild(sv('g',{class:'lane','data-member':m.name}));const y=TOP+i*LANE;
    label(g,4,y+18,'lane-label',m.name);if(m.host!==m.name)label(g,4,y+31,'','host '+m.host,'#777');
    g.appendChild(sv('line',{x1:LW,x2:W,y1:y+LANE-2,y2:y+LANE-2,stroke:'#f0f0f0'}));});
  TR.forEach((t,k)=>{const g=lanes.appendChild(sv('g',{class:'track','data-track':t}));const y=TOP+(M.length+k)*LANE;
    g.appendChild(sv('rect',{x:0,y:y,width:W,height:LANE-2,fill:'#fff8f0'}));label(g,4,y+22,'track-label',t);
    g.appendChild(sv('line',{x1:LW,x2:W,y1:y+LANE-2,y2:y+LANE-2,stroke:'#f0e0d0'}));});
  const spans=sv('g',{id:'spans'});svg.appendChild(spans);
  for(const s of D.spans){const [m,a,b,role,cl,term]=s;if(b<v0||a>v1)continue;const y=TOP+m*LANE;
    const x1=Math.max(LW,X(a)),x2=Math.min(W,X(b));const w=Math.max(1,x2-x1);
    if(cl>=0){const band=sv('rect',{x:x1,y:y+2,width:w,height:6,fill:ccol(cl),class:'band','data-cluster':D.clusters[cl],'data-end':b>=D.end?'1':'0'});spans.appendChild(band);}
    const r=sv('rect',{x:x1,y:y+9,width:w,height:16,fill:RCOL[role],class:'role'});spans.appendChild(r);
    hover(r,M[m].name+': '+ROLE[role]+(term?' term '+term:'')+(cl>=0?' · cluster '+D.clusters[cl]:'')+'\n'+fmt(a)+' – '+fmt(b));}
  // messages, only when few enough are in view
  const vis=[];for(const g of D.msgs){const e=g[1]<0?g[0]:g[1];if(e>=v0&&g[0]<=v1&&g[2]>=0)vis.push(g);}
  const arrows=sv('g',{id:'arrows'});svg.appendChild(arrows);
  if(vis.length<=800){for(const g of vis){const [a,b,f,to,kind,fate,text]=g;const y1=TOP+f*LANE+17;
      let x2,y2;if(b>=0&&to>=0){x2=X(b);y2=TOP+to*LANE+17;}else{x2=X(a)+12;y2=y1+(to>f?12:-12);}
      const col=fate===1?'#c62828':fate===2?'#ad1457':'#555';
      const ln=sv('line',{x1:X(a),y1:y1,x2:x2,y2:y2,stroke:col,'stroke-width':fate?1.6:0.8,class:'msg'+(fate===1?' drop':fate===2?' reject':'')});arrows.appendChild(ln);
      arrows.appendChild(sv('circle',{cx:x2,cy:y2,r:fate?3:1.8,fill:col,'pointer-events':'none'}));
      if(fate===1)arrows.appendChild(sv('text',{x:x2+2,y:y2+4,fill:col,'pointer-events':'none'},'✕'));
      hover(ln,kind+' '+(f>=0?M[f].name:'?')+' → '+(to>=0?M[to].name:'?')+'\nsent '+fmt(a)+(b>=0?' · delivered '+fmt(b):'')+'\n'+text);}}
  else{arrows.appendChild(sv('text',{x:LW+4,y:H-4,fill:'#777'},vis.length+' messages in view: zoom in to see them as arrows'));}
  // events
  const evs=sv('g',{id:'events'});svg.appendChild(evs);
  for(const e of D.ev){const [t,m,cat,text,detail,tr]=e;if(t<v0||t>v1)continue;const x=X(t);
    let node;if(tr>=0){const y=TOP+(M.length+tr)*LANE+19;node=sv('path',{d:'M'+x+' '+(y-6)+'l5 6l-5 6l-5-6z',fill:'#ef6c00',class:'ev ev-cloud'});}
    else if(m<0){node=sv('line',{x1:x,x2:x,y1:TOP-4,y2:H,stroke:cat==='fault'?'#c62828':'#7b1fa2','stroke-dasharray':'3,3','stroke-width':1.5,class:'gev'});}
    else{const y=TOP+m*LANE+31;const c=cat==='warn'?'#c62828':cat==='leader'?'#2e7d32':cat==='boot'?'#1565c0':cat==='client'?'#6a1b9a':cat==='cloud'?'#ef6c00':'#616161';
      node=sv('circle',{cx:x,cy:y,r:4,fill:c,class:'ev ev-'+cat});}
    evs.appendChild(node);hover(node,fmt(t)+'  '+text+'\n'+detail);}
  for(const v of D.violations){if(v.at<v0||v.at>v1)continue;const x=X(v.at);const ln=sv('line',{x1:x,x2:x,y1:0,y2:H,stroke:'#c62828','stroke-width':3,class:'violation'});evs.appendChild(ln);hover(ln,'checker '+v.checker+' fired at '+fmt(v.at)+'\n'+v.evidence);}
  const cx=X(cursor);if(cursor>=v0&&cursor<=v1)svg.appendChild(sv('line',{x1:cx,x2:cx,y1:0,y2:H,stroke:'#000','stroke-width':1,'pointer-events':'none',id:'cursor'}));
  $('window').textContent=fmt(v0)+' – '+fmt(v1);
}
// slider over the sample instants
const S=D.samples, sl=$('slider');sl.max=Math.max(0,S.t.length-1);
function sampleAt(t){let lo=0,hi=S.t.length-1,best=0;while(lo<=hi){const mid=(lo+hi)>>1;if(S.t[mid]<=t){best=mid;lo=mid+1;}else hi=mid-1;}return best;}
function showSample(i){if(!S.t.length){$('status').textContent='(no samples)';return;}cursor=S.t[i];sl.value=i;$('slidert').textContent='t = '+fmt(S.t[i]);
  $('status').textContent='$ raftlab status '+D.file+' --at '+fmt(S.t[i])+'\n\n'+S.texts[S.i[i]];}
function setCursor(t){showSample(sampleAt(Math.max(0,Math.min(END,t))));render();}
sl.addEventListener('input',()=>{showSample(+sl.value);render();});
function zoom(f,at){const c=at===undefined?(v0+v1)/2:at;let w=(v1-v0)*f;w=Math.max(1e5,Math.min(END,w));v0=Math.max(0,c-(c-v0)*w/(v1-v0));v1=Math.min(END,v0+w);v0=Math.max(0,v1-w);render();}
$('zin').onclick=()=>zoom(0.5);$('zout').onclick=()=>zoom(2);$('zreset').onclick=()=>{v0=0;v1=END;render();};
svg.addEventListener('wheel',e=>{e.preventDefault();const r=svg.getBoundingClientRect();zoom(e.deltaY<0?0.8:1.25,T(e.clientX-r.left));},{passive:false});
let drag=null;svg.addEventListener('mousedown',e=>{drag={x:e.clientX,a:v0,b:v1};});
window.addEventListener('mouseup',()=>{drag=null;});
window.addEventListener('mousemove',e=>{if(!drag)return;const dt=(e.clientX-drag.x)/(width()-LW-10)*(drag.b-drag.a);let a=drag.a-dt,b=drag.b-dt;if(a<0){b-=a;a=0;}if(b>END){a-=b-END;b=END;}v0=Math.max(0,a);v1=b;render();});
window.addEventListener('resize',render);
// timeline list
const tb=el('table');tb.appendChild(el('tr')).append(el('th',{},'time'),el('th',{},'member / AWS'),el('th',{},'event'));
for(const e of D.ev){const [t,m,cat,text,detail,k]=e;const tr=el('tr',{class:'cat-'+cat});tr.append(el('td',{},fmt(t)),el('td',{},m>=0?M[m].name:k>=0?TR[k]:''),el('td',{},text));
  tr.addEventListener('click',()=>{$('detail').textContent=fmt(t)+'  '+text+'\n'+detail;setCursor(t);});tb.appendChild(tr);}
$('evlist').appendChild(tb);
// expectations
const et=el('table');et.appendChild(el('tr')).append(el('th',{},''),el('th',{},'at'),el('th',{},'expectation'),el('th',{},'actual'));
for(const x of D.expect){const tr=el('tr');const b=el('span',{class:'badge '+(x.passed?'pass':'fail')},x.passed?'PASS':'FAIL');const td=el('td');td.appendChild(b);
  tr.append(td,el('td',{},fmt(x.at)),el('td',{},x.what+' = '+x.expected),el('td',{},x.actual+(x.note&&!x.passed?' — '+x.note:'')));et.appendChild(tr);}
$('expect').appendChild(D.expect.length?et:el('p',{},'(no expectations)'));
// root cause
const cb=$('cause');
D.cause.findings.forEach((f,i)=>{const d=el('div',{class:'finding','data-kind':f.kind});d.appendChild(el('div',{class:'head'},(i===0?'● ':'○ ')+f.headline));
  if(f.because.length){const ul=el('ul');for(const b of f.because)ul.appendChild(el('li',{},b));d.appendChild(ul);}
  if(f.fix){const p=el('div',{class:'fix'});p.appendChild(el('b',{},'Fix: '));p.appendChild(document.createTextNode(f.fix));d.appendChild(p);}
  if(f.check){const p=el('div',{class:'fix'});p.appendChild(el('b',{},'Check: '));p.appendChild(el('code',{},f.check));d.appendChild(p);}
  cb.appendChild(d);});
{const mt=/[#&]t=(\d+)/.exec(location.hash);showSample(mt?sampleAt(+mt[1]):0);
 const mw=/[#&]win=(\d+)-(\d+)/.exec(location.hash);if(mw&&+mw[2]>+mw[1]){v0=Math.max(0,+mw[1]);v1=Math.min(END,+mw[2]);}}render();
const RENDER_MS=performance.now()-T0;
// #t=NS opens the slider at an instant, #win=A-B (ns) zooms to a window.
// self-test mode: the page reports what it rendered (tests/report/browser_test.sh)
const h=location.hash;
if(h.indexOf('selftest')>=0){
  // A zoomed-in render (the arrows drawn): the busiest 1/16 of the run.
  const Z0=performance.now();const w=END/16;let best=0,bc=-1;for(let k=0;k<16;k++){let c=0;for(const g of D.msgs)if(g[0]>=k*w&&g[0]<(k+1)*w)c++;if(c>bc){bc=c;best=k;}}
  v0=best*w;v1=v0+w;render();const arrowsZoomed=document.querySelectorAll('#arrows .msg').length;const ZOOM_MS=performance.now()-Z0;v0=0;v1=END;
  const m=/[#&]t=(\d+)/.exec(h);if(m)setCursor(+m[1]);else render();
  const bandsEnd=new Set();document.querySelectorAll('#spans .band[data-end="1"]').forEach(b=>bandsEnd.add(b.getAttribute('data-cluster')));
  const r={lanes:document.querySelectorAll('#lanes .lane').length,lane_names:[...document.querySelectorAll('#lanes .lane')].map(g=>g.getAttribute('data-member')),
    members:M.length,bands_at_end:bandsEnd.size,final_clusters:D.final.length,spans:document.querySelectorAll('#spans .role').length,
    events:D.ev.length,messages:D.msgs.length,status:$('status').textContent,cursor:cursor,imgs:document.querySelectorAll('img').length,
    scripts:document.querySelectorAll('script').length,pwned:!!window.__pwned,errors:errors,render_ms:Math.round(RENDER_MS),open_ms:Math.round(T0+RENDER_MS),zoom_ms:Math.round(ZOOM_MS),arrows_zoomed:arrowsZoomed,
    findings:D.cause.findings.map(f=>f.kind),tracks:document.querySelectorAll('#lanes .track').length,track_names:TR,
    cloud_events:D.ev.filter(e=>e[2]==='cloud').length,cloud_marks:document.querySelectorAll('#events .ev-cloud').length,
    cloud_rows:document.querySelectorAll('#evlist tr.cat-cloud').length,label_w:LW,
    label_overflow:[...document.querySelectorAll('#lanes text')].filter(n=>n.getAttribute('x')==='4'&&n.getComputedTextLength()>LW-8).length,
    abbreviated:document.querySelectorAll('#lanes text[data-full]').length,violations:document.querySelectorAll('.violation').length,desc:$('desc').textContent};
  const p=$('selftest');p.hidden=false;p.textContent=JSON.stringify(r);}
})();
</script></body></html>
)HTML";

}  // namespace

std::string report_html(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const PageInput& in) {
  std::string page = kHead;
  page += script_safe_json(report_json(events, r, in));
  page += kTail;
  return page;
}

}  // namespace raftlab::tools::report
